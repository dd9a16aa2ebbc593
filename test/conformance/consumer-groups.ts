import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ack, collect, consumeAll, dataOf, fetch, makeEvents, positions, timing, withLog, type ConformanceTarget,
} from './helpers.js';

/** Consumer groups: created by fetch at `from`, fan-out across groups, one consumer at a time within one, ack and lag. */
export function consumerGroupSuite(target: ConformanceTarget): void {
  const time = timing(target);
  describe(`${target.name}: consumer groups`, () => {
    it('fetch creates the group at `from`; an existing group ignores `from`', withLog(target, [], async (log) => {
      const receipts = await log.append('orders', makeEvents(5));
      const p = positions(receipts);
      assert.deepEqual(positions(await fetch(log, 'orders', 'early', { from: 'earliest' })), p);
      assert.deepEqual(positions(await fetch(log, 'orders', 'default')), p, 'earliest by default');
      assert.deepEqual(await fetch(log, 'orders', 'late', { from: 'latest' }), []);
      const at = await fetch(log, 'orders', 'mid', { from: { position: p[2]! }, max: 1 });
      assert.deepEqual(positions(at), [p[2]]);
      const later = await log.append('orders', makeEvents(2, { start: 5 }));
      assert.deepEqual(positions(await fetch(log, 'orders', 'late', { from: 'earliest' })), positions(later), 'late started after position 5');
      assert.deepEqual(positions(await fetch(log, 'orders', 'mid', { from: 'earliest' })), [p[3], p[4], ...positions(later)]);
    }));

    it('fetch creates the group at a time', withLog(target, ['readByTime'], async (log) => {
      await log.append('orders', makeEvents(3));
      await time.advance(time.gap);
      const mark = time.now();
      await time.advance(1);
      const after = await log.append('orders', makeEvents(2, { start: 3 }));
      assert.deepEqual(positions(await fetch(log, 'orders', 'timed', { from: { time: mark } })), positions(after));
    }));

    it('fan-out: two groups each get every event', withLog(target, [], async (log) => {
      await log.append('orders', makeEvents(20, { key: (n) => `k${n % 3}` }));
      const billing = await consumeAll(log, 'orders', 'billing', { max: 7 });
      const audit = await consumeAll(log, 'orders', 'audit', { max: 3 });
      assert.deepEqual(dataOf(billing).sort((a, b) => a - b), [...Array(20).keys()]);
      assert.deepEqual(dataOf(audit).sort((a, b) => a - b), [...Array(20).keys()], 'acks in one group do not touch the other');
    }));

    it('within a group each event goes to one consumer at a time', withLog(target, [], async (log) => {
      await log.append('orders', makeEvents(10));
      const first = await fetch(log, 'orders', 'g', { max: 4 });
      const second = await fetch(log, 'orders', 'g', { max: 10 });
      const third = await fetch(log, 'orders', 'g', { max: 10 });
      assert.equal(first.length, 4);
      assert.equal(second.length, 6);
      assert.deepEqual(third, []);
      assert.deepEqual(dataOf([...first, ...second]), [...Array(10).keys()], 'no event given twice, none missing, in order');
      assert.notEqual(first[0]!.leaseId, second[0]!.leaseId, 'each fetch is its own lease');
    }));

    it('max bounds a fetch; deliveries come in position order', withLog(target, [], async (log) => {
      await log.append('orders', makeEvents(7));
      const batches = [await fetch(log, 'orders', 'g', { max: 3 }), await fetch(log, 'orders', 'g', { max: 3 }), await fetch(log, 'orders', 'g', { max: 3 })];
      assert.deepEqual(batches.map((b) => b.length), [3, 3, 1]);
      assert.deepEqual(dataOf(batches.flat()), [...Array(7).keys()]);
    }));

    it('a delivery carries the event and its delivery metadata', withLog(target, [], async (log) => {
      const [event] = makeEvents(1, { key: () => 'o-1' });
      const [receipt] = await log.append('orders', [event!]);
      const before = time.now();
      const [d] = await fetch(log, 'orders', 'billing', { leaseMs: 5_000 });
      assert.deepEqual(d!.event, event);
      assert.equal(d!.topic, 'orders');
      assert.equal(d!.group, 'billing');
      assert.equal(d!.position, receipt!.position);
      assert.equal(d!.appendedAt, receipt!.appendedAt);
      assert.equal(d!.attempt, 1);
      assert.equal(d!.lastError, undefined);
      assert.equal(typeof d!.leaseId, 'number');
      if (time.fake) assert.equal(d!.leaseUntil, before + 5_000);
      else assert.ok(d!.leaseUntil >= before + 5_000 && d!.leaseUntil <= time.now() + 5_000, 'leaseUntil = fetch time + leaseMs');
    }));

    it('ack removes the event from the group and lag drops to 0', withLog(target, [], async (log) => {
      await log.append('orders', makeEvents(6));
      const got = await fetch(log, 'orders', 'g', { leaseMs: time.shortLease });
      let [info] = await log.groups('orders');
      assert.equal(info?.pending, 6);
      assert.equal(info?.lag, 6);
      await ack(log, 'orders', 'g', got.slice(0, 4));
      [info] = await log.groups('orders');
      assert.equal(info?.pending, 2);
      assert.equal(info?.lag, 2);
      await ack(log, 'orders', 'g', got.slice(4));
      [info] = await log.groups('orders');
      assert.equal(info?.pending, 0);
      assert.equal(info?.lag, 0);
      await time.advance(time.shortLease + 1);
      assert.deepEqual(await fetch(log, 'orders', 'g'), [], 'nothing acked comes back, even after the lease time');
      const again = await log.settle('orders', 'g', [{ kind: 'ack', position: got[0]!.position, leaseId: got[0]!.leaseId }]);
      assert.deepEqual(again, ['stale'], 'a second ack changes nothing');
      assert.equal((await collect(log.read('orders'))).length, 6, 'acking does not delete events from the topic');
    }));

    it('settle answers one outcome per settlement, in order', withLog(target, [], async (log) => {
      await log.append('orders', makeEvents(2));
      const [a, b] = await fetch(log, 'orders', 'g');
      const outcomes = await log.settle('orders', 'g', [
        { kind: 'ack', position: a!.position, leaseId: a!.leaseId },
        { kind: 'ack', position: b!.position, leaseId: b!.leaseId + 1_000 },
        { kind: 'ack', position: b!.position + 50, leaseId: b!.leaseId },
        { kind: 'ack', position: b!.position, leaseId: b!.leaseId },
      ]);
      assert.deepEqual(outcomes, ['ok', 'stale', 'stale', 'ok']);
      assert.deepEqual(await log.settle('orders', 'nobody', [{ kind: 'ack', position: 1, leaseId: 1 }]), ['stale'], 'unknown group');
      assert.deepEqual(await log.settle('orders', 'g', []), []);
    }));

    it('a group picks up events appended after it drained', withLog(target, [], async (log) => {
      await log.append('orders', makeEvents(2));
      await consumeAll(log, 'orders', 'g');
      await log.append('orders', makeEvents(3, { start: 2 }));
      assert.deepEqual(dataOf(await consumeAll(log, 'orders', 'g')), [2, 3, 4]);
    }));

    it('onAppend calls its listener after an append until unsubscribed', withLog(target, [], async (log) => {
      let calls = 0;
      const off = log.onAppend('orders', () => { calls++; });
      await log.append('orders', makeEvents(2));
      await new Promise((resolve) => setTimeout(resolve, 20));
      assert.ok(calls >= 1, 'the listener ran');
      off();
      const seen = calls;
      await log.append('orders', makeEvents(2, { start: 2 }));
      await new Promise((resolve) => setTimeout(resolve, 20));
      assert.equal(calls, seen, 'no calls after unsubscribing');
    }));
  });
}
