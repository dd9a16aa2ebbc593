import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CloudEvent } from '../../src/core/envelope.js';
import {
  assertPositions, collect, dataOf, expectError, makeEvents, positions, timing, withLog, type ConformanceTarget,
} from './helpers.js';

/** append: receipts, atomic batches, immutability; read: from earliest / latest / position / time, limit, types. */
export function appendAndReadSuite(target: ConformanceTarget): void {
  const time = timing(target);
  describe(`${target.name}: append and read`, () => {
    it('append returns one receipt per event, in order, with increasing positions', withLog(target, [], async (log) => {
      const first = makeEvents(3);
      const receipts = await log.append('orders', first);
      assert.equal(receipts.length, 3);
      receipts.forEach((r, i) => {
        assert.equal(r.topic, 'orders');
        assert.equal(r.id, first[i]!.id);
        assert.equal(r.duplicate, false);
        assert.equal(typeof r.appendedAt, 'number');
      });
      assertPositions(log, positions(receipts), 1, 'first batch');
      const more = await log.append('orders', makeEvents(2, { start: 3 }));
      const all = [...positions(receipts), ...positions(more)];
      assertPositions(log, all, 1, 'both batches');
      assert.ok(more[0]!.appendedAt >= receipts[2]!.appendedAt, 'append times never decrease');
    }));

    it('read streams the stored events in order, unchanged, with their delivery metadata', withLog(target, [], async (log) => {
      const events = makeEvents(4, { key: (n) => `k${n % 2}` });
      const receipts = await log.append('orders', events);
      const stored = await collect(log.read('orders'));
      assert.deepEqual(stored.map((s) => s.event), events, 'events come back exactly as appended (nothing added inside)');
      assert.deepEqual(positions(stored), positions(receipts));
      stored.forEach((s, i) => {
        assert.equal(s.topic, 'orders');
        assert.equal(s.appendedAt, receipts[i]!.appendedAt);
      });
    }));

    it('a batch is all-or-nothing: an invalid event at index 2 is named with its field, nothing is appended', withLog(target, [], async (log) => {
      const events: CloudEvent[] = makeEvents(4);
      events[2] = { ...events[2]!, source: '' };
      const error = await expectError(() => log.append('orders', events), 'HERALD_E_INVALID_EVENT');
      assert.match(error.message, /\b2\b/, `the message names index 2: ${error.message}`);
      assert.match(error.message, /\bsource\b/, `the message names the field: ${error.message}`);
      assert.deepEqual(await collect(log.read('orders')), [], 'nothing was appended');
      assert.equal((await log.topicInfo('orders'))?.count ?? 0, 0);
      const receipts = await log.append('orders', makeEvents(2));
      assertPositions(log, positions(receipts), 1, 'the failed batch used no positions');
      const withBadTime: CloudEvent[] = makeEvents(3);
      withBadTime[1] = { ...withBadTime[1]!, time: 'yesterday' };
      const second = await expectError(() => log.append('orders', withBadTime), 'HERALD_E_INVALID_EVENT');
      assert.match(second.message, /\b1\b/);
      assert.match(second.message, /\btime\b/);
      assert.equal((await collect(log.read('orders'))).length, 2);
    }));

    it('appending an empty batch writes nothing', withLog(target, [], async (log) => {
      assert.deepEqual(await log.append('orders', []), []);
      assert.equal((await log.topicInfo('orders'))?.count ?? 0, 0);
    }));

    it('read starts at earliest, latest or a position and stops at limit', withLog(target, [], async (log) => {
      const receipts = await log.append('orders', makeEvents(10));
      const p = positions(receipts);
      assert.deepEqual(positions(await collect(log.read('orders'))), p, 'default is earliest');
      assert.deepEqual(positions(await collect(log.read('orders', { from: 'earliest' }))), p);
      assert.deepEqual(await collect(log.read('orders', { from: 'latest' })), []);
      assert.deepEqual(positions(await collect(log.read('orders', { from: { position: p[3]! } }))), p.slice(3));
      assert.deepEqual(await collect(log.read('orders', { from: { position: p[9]! + 100 } })), []);
      assert.deepEqual(positions(await collect(log.read('orders', { limit: 3 }))), p.slice(0, 3));
      assert.deepEqual(positions(await collect(log.read('orders', { from: { position: p[4]! }, limit: 2 }))), p.slice(4, 6));
      assert.deepEqual(positions(await collect(log.read('orders', { limit: 50 }))), p);
    }));

    it('read starts at a time', withLog(target, ['readByTime'], async (log) => {
      const before = await log.append('orders', makeEvents(3));
      await time.advance(time.gap);
      const mark = time.now();
      await time.advance(1);
      const after = await log.append('orders', makeEvents(3, { start: 3 }));
      assert.ok(after[0]!.appendedAt >= mark && before[2]!.appendedAt < mark);
      assert.deepEqual(positions(await collect(log.read('orders', { from: { time: mark } }))), positions(after));
      assert.deepEqual(positions(await collect(log.read('orders', { from: { time: new Date(mark) } }))), positions(after), 'a Date works too');
      assert.deepEqual(positions(await collect(log.read('orders', { from: { time: 0 } }))), positions([...before, ...after]));
      assert.deepEqual(await collect(log.read('orders', { from: { time: time.now() + 3_600_000 } })), []);
    }));

    it('types keeps only events of those types; limit counts what is kept', withLog(target, [], async (log) => {
      const kinds = ['a.x', 'b.x', 'c.x'];
      await log.append('orders', makeEvents(9, { type: (n) => kinds[n % 3]! }));
      assert.deepEqual(dataOf(await collect(log.read('orders', { types: ['a.x', 'c.x'] }))), [0, 2, 3, 5, 6, 8]);
      assert.deepEqual(dataOf(await collect(log.read('orders', { types: ['b.x'], limit: 2 }))), [1, 4]);
      assert.deepEqual(await collect(log.read('orders', { types: ['nope'] })), []);
    }));

    it('reads a topic of 5,000 events in order', withLog(target, [], async (log) => {
      for (let start = 0; start < 5_000; start += 500) await log.append('big', makeEvents(500, { start, key: (n) => `k${n % 7}` }));
      let count = 0;
      let last = 0;
      for await (const stored of log.read('big')) {
        assert.equal((stored.event.data as { n: number }).n, count, 'events in append order');
        assert.ok(stored.position > last, 'positions increase');
        if (log.capabilities.contiguousPositions) assert.equal(stored.position, count + 1);
        last = stored.position;
        count++;
      }
      assert.equal(count, 5_000);
    }));

    it('a missing topic reads as empty', withLog(target, [], async (log) => {
      assert.deepEqual(await collect(log.read('nothing-here')), []);
      assert.equal(await log.topicInfo('nothing-here'), undefined);
    }));

    it('topics are independent: each has its own positions', withLog(target, [], async (log) => {
      const a = await log.append('a', makeEvents(3));
      const b = await log.append('b', makeEvents(2));
      assertPositions(log, positions(a), 1, 'topic a');
      assertPositions(log, positions(b), 1, 'topic b');
      assert.deepEqual(dataOf(await collect(log.read('b'))), [0, 1]);
    }));

    it('stored events are immutable: changing the appended or the read object changes nothing', withLog(target, [], async (log) => {
      const [event] = makeEvents(1);
      await log.append('orders', [event!]);
      (event!.data as { n: number }).n = 99;
      event!.subject = 'changed';
      const [first] = await collect(log.read('orders'));
      assert.equal((first!.event.data as { n: number }).n, 0);
      assert.equal(first!.event.subject, undefined);
      (first!.event.data as { n: number }).n = 42;
      const [again] = await collect(log.read('orders'));
      assert.equal((again!.event.data as { n: number }).n, 0);
    }));
  });
}
