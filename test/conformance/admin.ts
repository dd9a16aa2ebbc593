import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ack, consumeAll, dataOf, fetch, makeEvents, positions, timing, withLog, type ConformanceTarget } from './helpers.js';

/** topics(), topicInfo(), groups() numbers, resetGroup and deleteGroup. */
export function adminSuite(target: ConformanceTarget): void {
  const time = timing(target);
  describe(`${target.name}: admin and lag`, () => {
    it('topics() and topicInfo() report head, first, count and retention', withLog(target, [], async (log) => {
      const a = positions(await log.append('alpha', makeEvents(3)));
      const b = positions(await log.append('beta', makeEvents(1)));
      await log.setRetention('beta', { maxAgeMs: 86_400_000 });
      const topics = (await log.topics()).filter((t) => t.topic === 'alpha' || t.topic === 'beta');
      assert.deepEqual(topics.sort((x, y) => x.topic.localeCompare(y.topic)), [
        { topic: 'alpha', head: a[2], first: a[0], count: 3, retention: {} },
        { topic: 'beta', head: b[0], first: b[0], count: 1, retention: { maxAgeMs: 86_400_000 } },
      ]);
      assert.deepEqual(await log.topicInfo('alpha'), topics[0]);
      assert.equal(await log.topicInfo('gamma'), undefined);
    }));

    it('deleteTopic removes events, retention and groups; the name starts empty again', withLog(target, [], async (log, t) => {
      if (!log.deleteTopic) return t.skip(`${log.backend} cannot delete topics (deleteTopic is optional)`);
      await log.append('doomed', makeEvents(4));
      await log.append('kept', makeEvents(1));
      await log.setRetention('doomed', { maxCount: 100 });
      await consumeAll(log, 'doomed', 'g');
      assert.equal(await log.deleteTopic('doomed'), true);
      assert.equal(await log.topicInfo('doomed'), undefined);
      assert.ok(!(await log.topics()).some((x) => x.topic === 'doomed'));
      assert.deepEqual(await log.groups('doomed'), []);
      assert.equal((await log.topicInfo('kept'))?.count, 1, 'other topics are untouched');
      const events: unknown[] = [];
      for await (const e of log.read('doomed')) events.push(e);
      assert.deepEqual(events, []);
      assert.equal(await log.deleteTopic('doomed'), false, 'a second delete finds nothing');
      const again = positions(await log.append('doomed', makeEvents(2)));
      assert.equal(again.length, 2);
      assert.deepEqual((await log.topicInfo('doomed'))?.retention, {}, 'the retention went with the topic');
      assert.equal((await log.topicInfo('doomed'))?.count, 2);
      assert.deepEqual(dataOf(await consumeAll(log, 'doomed', 'g')), [0, 1], 'a group of the old topic starts afresh');
    }));

    it('groups() reports cursor, pending and lag', withLog(target, [], async (log) => {
      const p = positions(await log.append('orders', makeEvents(5)));
      await log.append('other', makeEvents(1));
      const taken = await fetch(log, 'orders', 'g', { max: 2 });
      await consumeAll(log, 'other', 'h');
      let [info] = await log.groups('orders');
      assert.deepEqual(info && { topic: info.topic, group: info.group, pending: info.pending, lag: info.lag }, { topic: 'orders', group: 'g', pending: 2, lag: 5 });
      assert.ok(info!.cursor > p[1]! && info!.cursor <= p[2]!, `the cursor is past what was taken, got ${info!.cursor}`);
      await ack(log, 'orders', 'g', taken.slice(0, 1));
      [info] = await log.groups('orders');
      assert.equal(info?.pending, 1);
      assert.equal(info.lag, 4);
      await log.append('orders', makeEvents(2, { start: 5 }));
      assert.equal((await log.groups('orders'))[0]?.lag, 6, 'new events add to the lag');
      const all = await log.groups();
      assert.deepEqual(all.map((g) => `${g.topic}/${g.group}`).sort(), ['orders/g', 'other/h']);
      assert.equal(all.find((g) => g.topic === 'other')?.lag, 0);
    }));

    it('resetGroup moves a group to earliest, a position or latest, dropping what it held', withLog(target, [], async (log) => {
      const p = positions(await log.append('orders', makeEvents(6)));
      await consumeAll(log, 'orders', 'g');
      await log.resetGroup('orders', 'g', 'earliest');
      assert.equal((await log.groups('orders'))[0]?.lag, 6);
      const held = await fetch(log, 'orders', 'g', { max: 2 });
      assert.deepEqual(dataOf(held), [0, 1]);
      assert.deepEqual(held.map((d) => d.attempt), [1, 1], 'a replay starts at attempt 1');
      await log.resetGroup('orders', 'g', { position: p[3]! });
      assert.deepEqual(dataOf(await consumeAll(log, 'orders', 'g')), [3, 4, 5], 'held events were dropped with the old state');
      assert.deepEqual(await log.settle('orders', 'g', [{ kind: 'ack', position: held[0]!.position, leaseId: held[0]!.leaseId }]), ['stale']);
      await log.resetGroup('orders', 'g', 'latest');
      assert.deepEqual(await fetch(log, 'orders', 'g'), []);
      assert.equal((await log.groups('orders'))[0]?.lag, 0);
      await log.resetGroup('orders', 'fresh', { position: p[4]! });
      assert.deepEqual(dataOf(await fetch(log, 'orders', 'fresh')), [4, 5], 'reset creates a missing group');
    }));

    it('resetGroup moves a group to a time', withLog(target, ['readByTime'], async (log) => {
      await log.append('orders', makeEvents(3));
      await time.advance(time.gap);
      const mark = time.now();
      await time.advance(1);
      await log.append('orders', makeEvents(2, { start: 3 }));
      await consumeAll(log, 'orders', 'g');
      await log.resetGroup('orders', 'g', { time: mark });
      assert.deepEqual(dataOf(await consumeAll(log, 'orders', 'g')), [3, 4]);
      await log.resetGroup('orders', 'g', { time: new Date(0) });
      assert.deepEqual(dataOf(await consumeAll(log, 'orders', 'g')), [0, 1, 2, 3, 4]);
    }));

    it('deleteGroup forgets a group; fetching again starts over at `from`', withLog(target, [], async (log) => {
      await log.append('orders', makeEvents(3));
      await consumeAll(log, 'orders', 'g');
      await consumeAll(log, 'orders', 'keep');
      await log.deleteGroup('orders', 'g');
      assert.deepEqual((await log.groups('orders')).map((g) => g.group), ['keep']);
      await log.deleteGroup('orders', 'g');
      await log.deleteGroup('missing-topic', 'g');
      assert.deepEqual(dataOf(await fetch(log, 'orders', 'g')), [0, 1, 2]);
    }));
  });
}
