import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ack, collect, dataOf, fetch, makeEvents, positions, timing, withLog, type ConformanceTarget } from './helpers.js';

/** Retention by count and by age; events a group still holds are kept. */
export function retentionSuite(target: ConformanceTarget): void {
  const time = timing(target);
  describe(`${target.name}: retention`, () => {
    it('retention by count keeps the newest maxCount events', withLog(target, [], async (log) => {
      const p = positions(await log.append('orders', makeEvents(10)));
      await log.setRetention('orders', { maxCount: 4 });
      assert.equal(await log.applyRetention(), 6);
      assert.deepEqual(dataOf(await collect(log.read('orders'))), [6, 7, 8, 9]);
      const info = await log.topicInfo('orders');
      assert.deepEqual(info, { topic: 'orders', head: p[9], first: p[6], count: 4, retention: { maxCount: 4 } });
      assert.equal(await log.applyRetention(), 0, 'nothing more to do');
      const [next] = await log.append('orders', makeEvents(1, { start: 10 }));
      assert.ok(next!.position > p[9]!, 'positions are not reused');
      assert.deepEqual(positions(await collect(log.read('orders', { from: 'earliest', limit: 1 }))), [p[6]], 'earliest is the first kept');
    }));

    it('retention keeps the events a group still holds', withLog(target, [], async (log) => {
      const p = positions(await log.append('orders', makeEvents(10)));
      const held = await fetch(log, 'orders', 'g', { max: 2 });
      await log.setRetention('orders', { maxCount: 3 });
      assert.equal(await log.applyRetention(), 5);
      assert.deepEqual(dataOf(await collect(log.read('orders'))), [0, 1, 7, 8, 9]);
      assert.equal((await log.topicInfo('orders'))?.first, p[0]);
      await ack(log, 'orders', 'g', held);
      assert.equal(await log.applyRetention(), 2, 'acked, they can go');
      assert.deepEqual(dataOf(await collect(log.read('orders'))), [7, 8, 9]);
      assert.deepEqual(dataOf(await fetch(log, 'orders', 'g')), [7, 8, 9], 'the group skips what retention removed');
    }));

    it('retention by age removes events older than maxAgeMs', withLog(target, [], async (log) => {
      const maxAgeMs = time.fake ? 60_000 : 300;
      await log.append('orders', makeEvents(3));
      await time.advance(maxAgeMs + 50);
      await log.append('orders', makeEvents(2, { start: 3 }));
      await log.setRetention('orders', { maxAgeMs });
      assert.equal(await log.applyRetention(), 3);
      assert.deepEqual(dataOf(await collect(log.read('orders'))), [3, 4]);
      assert.deepEqual((await log.topicInfo('orders'))?.retention, { maxAgeMs });
    }));

    it('retention by age keeps what a group holds, then removes it once acked', withLog(target, [], async (log) => {
      const maxAgeMs = time.fake ? 60_000 : 300;
      await log.append('orders', makeEvents(3));
      const held = await fetch(log, 'orders', 'g', { max: 1 });
      await log.setRetention('orders', { maxAgeMs, maxCount: 100 });
      await time.advance(maxAgeMs + 50);
      assert.equal(await log.applyRetention(), 2);
      assert.deepEqual(dataOf(await collect(log.read('orders'))), [0]);
      await ack(log, 'orders', 'g', held);
      assert.equal(await log.applyRetention(), 1);
      assert.equal((await log.topicInfo('orders'))?.count, 0);
    }));

    it('retention applies per topic', withLog(target, [], async (log) => {
      await log.append('a', makeEvents(5));
      await log.append('b', makeEvents(5));
      await log.setRetention('a', { maxCount: 1 });
      assert.equal(await log.applyRetention(), 4);
      assert.equal((await log.topicInfo('a'))?.count, 1);
      assert.equal((await log.topicInfo('b'))?.count, 5);
      await log.setRetention('a', {});
      await log.append('a', makeEvents(3, { start: 5 }));
      assert.equal(await log.applyRetention(), 0, 'an empty retention keeps everything');
    }));
  });
}
