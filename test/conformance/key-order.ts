import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Delivery } from '../../src/log/types.js';
import { ack, dataOf, fetch, keyed, makeEvents, positions, timing, withLog, type ConformanceTarget } from './helpers.js';
import { baseSeed, random } from './random.js';

const keyOf = (d: Delivery): string => d.event.partitionkey as string;

/** Per-key order within a group: one fetch at a time holds a key; a failing event parks only its key. */
export function keyOrderSuite(target: ConformanceTarget): void {
  const time = timing(target);
  const lease = time.shortLease;
  describe(`${target.name}: per-key order`, () => {
    it('a key held by one fetch is not handed to another; other keys flow', withLog(target, ['keyOrder'], async (log) => {
      await log.append('orders', [keyed('a', 0), keyed('a', 1), keyed('b', 2), keyed('a', 3)]);
      const first = await fetch(log, 'orders', 'g', { max: 1 });
      assert.deepEqual(dataOf(first), [0]);
      assert.deepEqual(dataOf(await fetch(log, 'orders', 'g')), [2], 'only key b while a is held');
      await ack(log, 'orders', 'g', first);
      assert.deepEqual(dataOf(await fetch(log, 'orders', 'g')), [1, 3], 'key a continues in order once acked');
    }));

    it('with many keys and two competing fetchers settling in random order, a key is out to one fetch at a time and acked in order', withLog(target, ['keyOrder'], async (log) => {
      const seed = baseSeed();
      const rnd = random(seed);
      const total = 400;
      const fail = (message: string): string => `${message} (replay with HERALD_SEED=${seed})`;
      for (let start = 0; start < total; start += 100) await log.append('orders', makeEvents(100, { start, key: () => `k${rnd.int(25)}` }));
      const held: Map<number, { d: Delivery; fetch: number }>[] = [new Map(), new Map()];
      const holderOfKey = new Map<string, { fetch: number; count: number }>();
      const ackedByKey = new Map<string, number[]>();
      let fetches = 0;
      let acked = 0;
      for (let step = 0; acked < total; step++) {
        assert.ok(step < 20_000, fail(`stuck with ${acked} of ${total} acked`));
        const f = rnd.int(2);
        const mine = held[f]!;
        if (mine.size === 0 || rnd.chance(0.35)) {
          const batch = await fetch(log, 'orders', 'g', { max: rnd.between(1, 10) });
          fetches++;
          for (const d of batch) {
            const key = keyOf(d);
            const holder = holderOfKey.get(key);
            assert.ok(holder === undefined || holder.fetch === fetches, fail(`key ${key} went to fetch ${fetches} while fetch ${holder?.fetch} holds it`));
            holderOfKey.set(key, { fetch: fetches, count: (holder?.count ?? 0) + 1 });
            mine.set(d.position, { d, fetch: fetches });
          }
          continue;
        }
        // Settle the oldest held event of one to three random keys, as a key-ordered consumer would.
        const keys = new Set(Array.from({ length: rnd.between(1, 3) }, () => keyOf(rnd.pick([...mine.values()]).d)));
        const toAck = [...keys].map((key) => [...mine.values()].filter((h) => keyOf(h.d) === key).sort((a, b) => a.d.position - b.d.position)[0]!.d);
        await ack(log, 'orders', 'g', rnd.shuffle(toAck));
        for (const d of toAck) {
          mine.delete(d.position);
          const key = keyOf(d);
          ackedByKey.set(key, [...(ackedByKey.get(key) ?? []), d.position]);
          const holder = holderOfKey.get(key)!;
          if (holder.count === 1) holderOfKey.delete(key); else holder.count--;
          acked++;
        }
      }
      for (const [key, ps] of ackedByKey) assert.deepEqual(ps, [...ps].sort((a, b) => a - b), fail(`acks of ${key} in position order`));
      assert.equal([...ackedByKey.values()].flat().length, new Set([...ackedByKey.values()].flat()).size, fail('each event acked once'));
      assert.equal((await log.groups('orders'))[0]?.lag, 0);
    }));

    it('a nacked event parks only its key; later events of that key wait until it is acked', withLog(target, ['keyOrder'], async (log) => {
      await log.append('orders', [keyed('a', 0), keyed('b', 1), keyed('a', 2), keyed('b', 3), keyed('a', 4)]);
      const batch = await fetch(log, 'orders', 'g');
      assert.deepEqual(dataOf(batch), [0, 1, 2, 3, 4], 'one fetch may hold several events of a key, in order');
      const [a0, b1, a2, b3, a4] = batch as [Delivery, Delivery, Delivery, Delivery, Delivery];
      // The consumer fails a0 and gives back what it held behind it on key a.
      assert.deepEqual(await log.settle('orders', 'g', [
        { kind: 'nack', position: a0.position, leaseId: a0.leaseId, delayMs: lease, error: { message: 'boom' } },
        { kind: 'release', position: a2.position, leaseId: a2.leaseId },
        { kind: 'release', position: a4.position, leaseId: a4.leaseId },
        { kind: 'ack', position: b1.position, leaseId: b1.leaseId },
        { kind: 'ack', position: b3.position, leaseId: b3.leaseId },
      ]), ['ok', 'ok', 'ok', 'ok', 'ok']);
      assert.deepEqual(await fetch(log, 'orders', 'g'), [], 'key a waits for its retry');
      await log.append('orders', [keyed('b', 5), keyed('c', 6), keyed('a', 7)]);
      assert.deepEqual(dataOf(await fetch(log, 'orders', 'g')), [5, 6], 'other keys keep flowing; new events of a wait too');
      await time.advance(lease);
      const [retry] = await fetch(log, 'orders', 'g', { max: 1 });
      assert.equal(retry?.position, a0.position, 'the failed event comes first');
      assert.equal(retry.attempt, 2);
      assert.equal(retry.lastError?.message, 'boom');
      assert.deepEqual(await fetch(log, 'orders', 'g'), [], 'later events of a wait while the retry is out');
      await ack(log, 'orders', 'g', [retry]);
      const rest = await fetch(log, 'orders', 'g');
      assert.deepEqual(dataOf(rest), [2, 4, 7]);
      assert.deepEqual(rest.map((d) => d.attempt), [1, 1, 1], 'released events count no attempt');
    }));

    it('after a lease expires, the key restarts at its oldest unacked event', withLog(target, ['keyOrder'], async (log) => {
      await log.append('orders', [keyed('k', 0), keyed('k', 1), keyed('k', 2)]);
      await fetch(log, 'orders', 'g', { max: 1, leaseMs: lease });
      await time.advance(lease);
      const again = await fetch(log, 'orders', 'g', { leaseMs: lease });
      assert.deepEqual(dataOf(again), [0, 1, 2]);
      assert.deepEqual(again.map((d) => d.attempt), [2, 1, 1]);
    }));

    it('a late ack from an expired holder cannot settle a later event of a key now held by another fetch', withLog(target, ['keyOrder'], async (log) => {
      await log.append('orders', [keyed('k', 0), keyed('k', 1)]);
      const [k0, k1] = await fetch(log, 'orders', 'g', { leaseMs: lease }) as [Delivery, Delivery];
      await time.advance(lease);
      const taken = await fetch(log, 'orders', 'g', { max: 1, leaseMs: lease * 4 });
      assert.deepEqual(dataOf(taken), [0], 'another consumer now holds key k');
      // The first holder wakes up and acks what it processed, in key order.
      const late = await log.settle('orders', 'g', [
        { kind: 'ack', position: k0.position, leaseId: k0.leaseId },
        { kind: 'ack', position: k1.position, leaseId: k1.leaseId },
      ]);
      assert.deepEqual(late, ['stale', 'stale'], 'acking k1 now would ack it before k0, which is still out');
      await ack(log, 'orders', 'g', taken);
      const [next] = await fetch(log, 'orders', 'g');
      assert.equal(next?.position, k1.position);
      assert.equal(next.attempt, 2, 'k1\'s lease expired once');
    }));

    it('a held later event of a key keeps the whole key, even when an earlier one\'s lease ran out', withLog(target, ['keyOrder'], async (log) => {
      await log.append('orders', [keyed('k', 0), keyed('k', 1), keyed('j', 2)]);
      const batch = await fetch(log, 'orders', 'g', { leaseMs: lease });
      const k1 = batch.find((d) => (d.event.data as { n: number }).n === 1)!;
      await time.advance(Math.floor(lease * 0.6));
      assert.deepEqual(await log.settle('orders', 'g', [{ kind: 'extend', position: k1.position, leaseId: k1.leaseId, leaseMs: lease }]), ['ok']);
      await time.advance(Math.floor(lease * 0.6));
      const other = await fetch(log, 'orders', 'g', { leaseMs: lease * 10 });
      assert.deepEqual(dataOf(other), [2], 'k0 must not go to a second consumer while k1 is held');
      await time.advance(lease);
      const again = await fetch(log, 'orders', 'g', { leaseMs: lease });
      assert.deepEqual(positions(again), positions(batch.filter((d) => d.event.partitionkey === 'k')), 'both come back once every lease of k ran out');
    }));
  });
}
