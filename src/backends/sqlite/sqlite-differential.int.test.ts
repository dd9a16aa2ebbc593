/**
 * Differential test: random sequences of operations run against SqliteLog and the reference
 * MemoryLog with the same virtual clock must give the same answers (lease ids aside, which are
 * opaque). This is what "the same semantics as MemoryLog" means, checked mechanically.
 */
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import fc from 'fast-check';
import type { CloudEvent } from '../../core/envelope.js';
import { isHeraldError } from '../../core/errors.js';
import { MemoryLog } from '../../log/memory/index.js';
import type { Delivery, EventLog, Settlement, StartFrom } from '../../log/types.js';
import { collect, FakeClock, openTemp } from './test-helpers.js';

const topic = fc.constantFrom('t1', 't2');
const group = fc.constantFrom('g1', 'g2');
const from: fc.Arbitrary<StartFrom> = fc.oneof(
  fc.constantFrom<StartFrom>('earliest', 'latest'),
  fc.integer({ min: 1, max: 12 }).map((position) => ({ position })),
  fc.integer({ min: -100, max: 3000 }).map((dt) => ({ time: 1_700_000_000_000 + dt })),
);
const eventSpec = fc.record({ id: fc.integer({ min: 0, max: 14 }), key: fc.constantFrom(undefined, 'a', 'b', 'c'), type: fc.constantFrom('x', 'y') });

const op = fc.oneof(
  { weight: 5, arbitrary: fc.record({ op: fc.constant('append' as const), topic, events: fc.array(eventSpec, { maxLength: 5 }) }) },
  { weight: 5, arbitrary: fc.record({ op: fc.constant('fetch' as const), topic, group, max: fc.integer({ min: 1, max: 4 }), leaseMs: fc.constantFrom(100, 1000), from: fc.option(from, { nil: undefined }) }) },
  { weight: 5, arbitrary: fc.record({ op: fc.constant('settle' as const), picks: fc.array(fc.record({ index: fc.nat(), kind: fc.constantFrom<Settlement['kind']>('ack', 'nack', 'release', 'extend'), stale: fc.boolean() }), { minLength: 1, maxLength: 3 }) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('advance' as const), ms: fc.constantFrom(0, 50, 150, 600, 1200) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('requeue' as const), index: fc.nat(), key: fc.constantFrom(undefined, 'a', 'd') }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('reset' as const), topic, group, to: from }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('deleteGroup' as const), topic, group }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('retention' as const), topic, maxCount: fc.option(fc.integer({ min: 1, max: 6 }), { nil: undefined }), maxAgeMs: fc.option(fc.constantFrom(100, 1000), { nil: undefined }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('deleteEvent' as const), topic, position: fc.integer({ min: 1, max: 15 }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('read' as const), topic, from: fc.option(from, { nil: undefined }), limit: fc.option(fc.integer({ min: 0, max: 5 }), { nil: undefined }), types: fc.option(fc.constant(['y']), { nil: undefined }) }) },
);
type Op = typeof op extends fc.Arbitrary<infer T> ? T : never;

function event(spec: { id: number; key: string | undefined; type: string }): CloudEvent {
  const e: CloudEvent = { specversion: '1.0', id: `id-${spec.id}`, source: 'urn:diff', type: spec.type, data: { id: spec.id } };
  if (spec.key !== undefined) e.partitionkey = spec.key;
  return e;
}

/** Runs one operation; returns a comparable outcome (lease ids removed, errors as codes). */
async function apply(log: EventLog, clock: FakeClock, deliveries: Delivery[], o: Op): Promise<unknown> {
  const strip = (ds: Delivery[]): unknown => ds.map(({ leaseId: _l, ...rest }) => rest);
  try {
    switch (o.op) {
      case 'append': return await log.append(o.topic, o.events.map(event));
      case 'fetch': {
        const out = await log.fetch(o.topic, o.group, { max: o.max, leaseMs: o.leaseMs, ...(o.from ? { from: o.from } : {}) });
        deliveries.push(...out);
        return strip(out);
      }
      case 'settle': {
        if (deliveries.length === 0) return 'none';
        const first = deliveries[o.picks[0]!.index % deliveries.length]!;
        const same = deliveries.filter((x) => x.topic === first.topic && x.group === first.group);
        const settlements = o.picks.map((p): Settlement => {
          const d = same[p.index % same.length]!;
          const base = { position: d.position, leaseId: p.stale ? d.leaseId + 1000 : d.leaseId };
          if (p.kind === 'nack') return { kind: 'nack', ...base, delayMs: 200, error: { message: `fail ${d.position}` } };
          if (p.kind === 'extend') return { kind: 'extend', ...base, leaseMs: 500 };
          return { kind: p.kind, ...base };
        });
        return await log.settle(first.topic, first.group, settlements);
      }
      case 'advance': clock.advance(o.ms); return null;
      case 'requeue': {
        if (deliveries.length === 0) return 'none';
        const d = deliveries[o.index % deliveries.length]!;
        const edited: CloudEvent = { ...d.event, data: 'edited' };
        delete edited.partitionkey;
        if (o.key !== undefined) edited.partitionkey = o.key;
        return await log.requeue(d.topic, d.group, edited, d.position);
      }
      case 'reset': return await log.resetGroup(o.topic, o.group, o.to);
      case 'deleteGroup': return await log.deleteGroup(o.topic, o.group);
      case 'retention': {
        const r: { maxCount?: number; maxAgeMs?: number } = {};
        if (o.maxCount !== undefined) r.maxCount = o.maxCount;
        if (o.maxAgeMs !== undefined) r.maxAgeMs = o.maxAgeMs;
        await log.setRetention(o.topic, r);
        return await log.applyRetention();
      }
      case 'deleteEvent': return await log.deleteEvent(o.topic, o.position);
      case 'read': {
        const options = { ...(o.from ? { from: o.from } : {}), ...(o.limit !== undefined ? { limit: o.limit } : {}), ...(o.types ? { types: o.types } : {}) };
        return await collect(log.read(o.topic, options));
      }
    }
  } catch (error) {
    return { error: isHeraldError(error) ? error.code : String(error) };
  }
}

test('SqliteLog answers every random operation sequence exactly like MemoryLog', async () => {
  await fc.assert(fc.asyncProperty(fc.array(op, { minLength: 5, maxLength: 40 }), async (ops) => {
    const memClock = new FakeClock();
    const mem = new MemoryLog({ clock: memClock });
    const lite = openTemp();
    const memDeliveries: Delivery[] = [];
    const liteDeliveries: Delivery[] = [];
    try {
      for (const [i, o] of ops.entries()) {
        const expected = await apply(mem, memClock, memDeliveries, o);
        const actual = await apply(lite.log, lite.clock, liteDeliveries, o);
        assert.deepEqual(actual, expected, `operation ${i}: ${JSON.stringify(o)}`);
      }
      assert.deepEqual(await lite.log.groups(), await mem.groups());
      assert.deepEqual(await lite.log.topics(), await mem.topics());
    } finally {
      await lite.done();
    }
  }), { numRuns: Number(process.env.HERALD_DIFF_RUNS ?? 150), ...(process.env.HERALD_SEED ? { seed: Number(process.env.HERALD_SEED) } : {}) });
});
