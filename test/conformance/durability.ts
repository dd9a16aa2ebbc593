import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EventLog } from '../../src/log/types.js';
import {
  ack, collect, dataOf, fetch, makeEvents, positions, timing, withLog, type ConformanceTarget,
} from './helpers.js';

/** What a durable backend keeps across a close and reopen of the same storage. */
export function durabilitySuite(target: ConformanceTarget): void {
  const time = timing(target);
  const reopen = target.reopen?.bind(target);
  const skip = reopen ? false : `${target.name} gives no reopen() (no durable storage to reopen)`;
  const reopened = async (log: EventLog, body: (again: EventLog) => Promise<void>): Promise<void> => {
    await log.close();
    const again = await reopen!();
    try {
      await body(again);
    } finally {
      await again.close();
    }
  };

  describe(`${target.name}: durability across reopen`, () => {
    it('events, positions, append times and ids survive a reopen', { skip }, withLog(target, ['durable'], async (log) => {
      const events = makeEvents(5, { key: (n) => `k${n % 2}` });
      const receipts = await log.append('orders', events);
      await reopened(log, async (again) => {
        const stored = await collect(again.read('orders'));
        assert.deepEqual(stored.map((s) => s.event), events);
        assert.deepEqual(positions(stored), positions(receipts));
        assert.deepEqual(stored.map((s) => s.appendedAt), receipts.map((r) => r.appendedAt));
        const [dup] = await again.append('orders', [events[2]!]);
        assert.deepEqual(dup, { ...receipts[2]!, duplicate: true }, 'deduplication survives');
        const [next] = await again.append('orders', makeEvents(1, { start: 5 }));
        assert.ok(next!.position > receipts[4]!.position, 'positions continue');
        assert.equal((await again.topicInfo('orders'))?.count, 6);
      });
    }));

    it('acked events stay acked; unacked ones come back', { skip }, withLog(target, ['durable'], async (log) => {
      await log.append('orders', makeEvents(6));
      const got = await fetch(log, 'orders', 'g', { leaseMs: time.shortLease });
      await ack(log, 'orders', 'g', got.slice(0, 3));
      await log.settle('orders', 'g', [{ kind: 'nack', position: got[3]!.position, leaseId: got[3]!.leaseId, delayMs: 0, error: { message: 'boom' } }]);
      await reopened(log, async (again) => {
        const [info] = await again.groups('orders');
        assert.equal(info?.lag, 3);
        await time.advance(time.shortLease);
        const back = await fetch(again, 'orders', 'g');
        assert.deepEqual(dataOf(back), [3, 4, 5], 'exactly the unacked events');
        assert.equal(back[0]!.attempt, 2, 'the nack was recorded');
        assert.equal(back[0]!.lastError?.message, 'boom', 'the recorded failure survives');
        await ack(again, 'orders', 'g', back);
        assert.equal((await again.groups('orders'))[0]?.lag, 0);
      });
    }));

    it('retention settings, deletions and group positions survive', { skip }, withLog(target, ['durable'], async (log) => {
      const p = positions(await log.append('orders', makeEvents(5)));
      await log.setRetention('orders', { maxCount: 100, maxAgeMs: 86_400_000 });
      await log.deleteEvent('orders', p[1]!);
      await ack(log, 'orders', 'g', await fetch(log, 'orders', 'g', { max: 2 }));
      await reopened(log, async (again) => {
        assert.deepEqual((await again.topicInfo('orders'))?.retention, { maxCount: 100, maxAgeMs: 86_400_000 });
        assert.deepEqual(dataOf(await collect(again.read('orders'))), [0, 2, 3, 4]);
        assert.deepEqual(dataOf(await fetch(again, 'orders', 'g')), [3, 4]);
      });
    }));
  });
}
