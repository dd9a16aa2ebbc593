/**
 * Differential test of group commit: appends made in the same tick are written together (rows of
 * several appends share multi-row INSERTs, chunks cross append boundaries), yet every receipt, the
 * stored log and the append times must be what MemoryLog gives for the same appends one by one,
 * including duplicate ids (stored earlier, or earlier in the same tick), empty appends, several
 * topics, and a clock that goes back between two appends.
 */
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import fc from 'fast-check';
import type { CloudEvent } from '../../core/envelope.js';
import { MemoryLog } from '../../log/memory/index.js';
import type { AppendReceipt, EventLog } from '../../log/types.js';
import { collect, FakeClock, openTemp } from './test-helpers.js';

const append = fc.record({
  topic: fc.constantFrom('a', 'b'),
  /** Ids drawn from a small range, so duplicates are common; sizes cross the 64-row chunks. */
  ids: fc.oneof(fc.array(fc.integer({ min: 0, max: 40 }), { maxLength: 4 }), fc.array(fc.integer({ min: 0, max: 400 }), { maxLength: 150 })),
  dt: fc.integer({ min: -5, max: 5 }),
});
const tick = fc.array(append, { minLength: 1, maxLength: 30 });

function event(id: number): CloudEvent {
  return { specversion: '1.0', id: `id-${id}`, source: 'urn:batch', type: 't', data: { id } };
}

/** Calls every append of a tick before awaiting any (the clock moves by `dt` before each). */
async function run(log: EventLog, clock: FakeClock, ticks: Array<Array<{ topic: string; ids: number[]; dt: number }>>): Promise<AppendReceipt[][]> {
  const out: AppendReceipt[][] = [];
  for (const appends of ticks) {
    const pending = appends.map((a) => {
      clock.t += a.dt;
      return log.append(a.topic, a.ids.map(event));
    });
    out.push(...await Promise.all(pending));
    clock.t += 10;
  }
  return out;
}

test('appends written together in one transaction answer exactly as one by one (MemoryLog)', async () => {
  await fc.assert(fc.asyncProperty(fc.array(tick, { minLength: 1, maxLength: 4 }), async (ticks) => {
    const memClock = new FakeClock();
    const mem = new MemoryLog({ clock: memClock });
    const lite = openTemp();
    try {
      const expected = await run(mem, memClock, ticks);
      const actual = await run(lite.log, lite.clock, ticks);
      assert.deepEqual(actual, expected);
      for (const topic of ['a', 'b']) assert.deepEqual(await collect(lite.log.read(topic)), await collect(mem.read(topic)));
      assert.deepEqual(await lite.log.topics(), await mem.topics());
    } finally {
      await lite.done();
    }
  }), { numRuns: Number(process.env.HERALD_DIFF_RUNS ?? 60) });
});
