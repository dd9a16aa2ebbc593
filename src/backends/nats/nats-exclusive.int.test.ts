/**
 * Exclusive groups (`exclusiveGroups: true`): two logs with their own connections consume one
 * group; only the holder of the group's lock hands out events, the other stands by and takes over
 * when the holder closes (at once) or dies (after about `ackWaitMs`), and per-key order holds
 * across the takeover.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { NatsConnection } from '@nats-io/transport-node';
import { makeEvents } from '../../../test/conformance/helpers.js';
import { requireService, SERVICE_URLS } from '../../../test/services.js';
import type { Delivery, EventLog } from '../../log/types.js';
import { GroupLocks } from './group-lock.js';
import { openNatsLog } from './index.js';
import { connectNats, JetStreamApi } from './jetstream-api.js';
import { Layout } from './layout.js';
import { resolveNatsOptions } from './options.js';
import { TopicStore } from './topic-store.js';
import type { NatsLog } from './nats-log.js';
import { deleteStreams, uniquePrefix } from './test-helpers.js';

const prefixes: string[] = [];
after(() => deleteStreams(prefixes).then(() => undefined));

const ACK_WAIT_MS = 2_000;
const open = (prefix: string): Promise<NatsLog> => openNatsLog({ servers: SERVICE_URLS.nats, prefix, ackWaitMs: ACK_WAIT_MS, exclusiveGroups: true });
const acks = (ds: readonly Delivery[]) => ds.map((d) => ({ kind: 'ack' as const, position: d.position, leaseId: d.leaseId }));
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Dies without a word: no hand-back, no release (what a killed process leaves behind). */
async function crash(log: NatsLog): Promise<void> {
  await (log as unknown as { nc: NatsConnection }).nc.close();
}

/** Fails unless every key's acks came in position order. */
function assertKeyOrder(acked: readonly { key: string; position: number }[]): void {
  const last = new Map<string, number>();
  for (const { key, position } of acked) {
    assert.ok(position > (last.get(key) ?? 0), `key ${key}: position ${position} acked after ${last.get(key)}`);
    last.set(key, position);
  }
}

describe('nats: exclusive groups', () => {
  it('the lock: taken by one, refused to another until unchanged for ttl; the old holder fences itself off and learns it lost', async (t) => {
    if (!(await requireService('nats', (m) => t.skip(m)))) return;
    const prefix = uniquePrefix('l');
    prefixes.push(prefix);
    const options = resolveNatsOptions({ servers: SERVICE_URLS.nats, prefix });
    const conns = [await connectNats(options), await connectNats(options)];
    try {
      const ttl = 1_500;
      const [a, b] = conns.map((nc) => {
        const api = new JetStreamApi(nc, 5_000);
        const layout = new Layout(prefix);
        return new GroupLocks(api, new TopicStore(api, layout, options), layout, ttl);
      }) as [GroupLocks, GroupLocks];
      assert.equal(await a.hold('s', 'g'), 'taken');
      assert.equal(await a.hold('s', 'g'), 'held');
      assert.equal(await b.hold('s', 'g'), 'other');
      assert.ok(a.holds('s', 'g') && !b.holds('s', 'g'));
      await sleep(ttl / 2);
      assert.equal(await a.hold('s', 'g'), 'held', 'rewritten after ttl/3');
      assert.equal(await b.hold('s', 'g'), 'other', 'b saw a new record: it waits again');
      await sleep(ttl * 0.75);
      assert.equal(a.holds('s', 'g'), false, 'a, not rewritten for 2/3 of ttl, hands out nothing');
      assert.equal(await b.hold('s', 'g'), 'other', 'not yet ttl since b saw the record');
      await sleep(ttl * 0.5);
      assert.equal(await b.hold('s', 'g'), 'taken');
      assert.equal(await a.hold('s', 'g'), 'lost');
      assert.equal(await a.hold('s', 'g'), 'other');
      await b.release('s', 'g');
      assert.equal(await a.hold('s', 'g'), 'taken', 'a released lock is taken at once');
    } finally {
      await Promise.all(conns.map((nc) => nc.close()));
    }
  });

  it('declares keyOrder; one log hands out at a time; a closing holder hands over at once', async (t) => {
    if (!(await requireService('nats', (m) => t.skip(m)))) return;
    const prefix = uniquePrefix('x');
    prefixes.push(prefix);
    const a = await open(prefix);
    const b = await open(prefix);
    try {
      assert.equal(a.capabilities.keyOrder, true);
      await a.append('jobs', makeEvents(20, { key: (n) => `k${n % 3}` }));
      const first = await a.fetch('jobs', 'g', { max: 8, leaseMs: 60_000 });
      assert.equal(first.length, 8);
      assert.deepEqual(await b.fetch('jobs', 'g', { max: 8, leaseMs: 60_000 }), [], 'the standby hands out nothing');
      await a.settle('jobs', 'g', acks(first.slice(0, 4)));
      await a.close(); // hands back 4 held events and releases the lock
      const acked: { key: string; position: number }[] = first.slice(0, 4).map((d) => ({ key: String(d.event.partitionkey), position: d.position }));
      const deadline = Date.now() + 10_000;
      while (acked.length < 20 && Date.now() < deadline) {
        const got = await b.fetch('jobs', 'g', { max: 5, leaseMs: 60_000 });
        if (got.length === 0) { await sleep(20); continue; }
        await b.settle('jobs', 'g', acks(got));
        acked.push(...got.map((d) => ({ key: String(d.event.partitionkey), position: d.position })));
      }
      assert.equal(acked.length, 20, 'the standby took over without waiting for ackWaitMs');
      assertKeyOrder(acked);
    } finally {
      await b.close();
    }
  });

  it('a holder that dies is taken over; per-key order holds across the takeover and every event is acked', async (t) => {
    if (!(await requireService('nats', (m) => t.skip(m)))) return;
    const prefix = uniquePrefix('x');
    prefixes.push(prefix);
    const logs = [await open(prefix), await open(prefix)];
    const total = 600;
    await logs[0]!.append('jobs', makeEvents(total, { key: (n) => `k${n % 13}` }));
    const acked: { key: string; position: number; who: number }[] = [];
    const ackedIds = new Set<string>();
    let dead = -1;
    const deadline = Date.now() + 60_000;
    const consume = async (log: EventLog, who: number): Promise<void> => {
      while (ackedIds.size < total && dead !== who && Date.now() < deadline) {
        const batch = await log.fetch('jobs', 'workers', { max: 10, leaseMs: 60_000 }).catch(() => [] as Delivery[]);
        if (batch.length === 0) { await sleep(10); continue; }
        await sleep(2); // a handler's work
        if (who === 0 && ackedIds.size >= 200) {
          dead = 0; // dies holding this batch (and whatever its book parked): the server redelivers them
          await crash(logs[0]!);
          return;
        }
        const outcomes = await log.settle('jobs', 'workers', acks(batch));
        batch.forEach((d, i) => {
          if (outcomes[i] !== 'ok') return;
          acked.push({ key: String(d.event.partitionkey), position: d.position, who });
          ackedIds.add(d.event.id);
        });
      }
    };
    try {
      const first = consume(logs[0]!, 0);
      while (ackedIds.size === 0 && Date.now() < deadline) await sleep(5); // log 0 takes the group first
      await Promise.all([first, consume(logs[1]!, 1)]);
      const before = acked.filter((x) => x.who === 0);
      assert.ok(before.length >= 200, 'log 0 held the group first');
      assert.equal(acked.filter((x) => x.who === 1).length + before.length, acked.length);
      assert.ok(acked.slice(0, before.length).every((x) => x.who === 0), 'log 1 acked nothing while log 0 held the group');
      assert.equal(ackedIds.size, total, 'every event was acked');
      assertKeyOrder(acked);
    } finally {
      await logs[1]!.close();
    }
  });
});
