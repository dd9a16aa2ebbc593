import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { subscribe } from '../../../src/consumer/subscribe.js';
import type { CloudEvent } from '../../../src/core/envelope.js';
import { orderEvents, quick, waitFor, type RuntimeTarget } from './helpers.js';

/** At-least-once, fan-out, per-key order, bounded in-flight and drain, through the consumer runtime. */
export function deliverySuite(target: RuntimeTarget): void {
  describe(`${target.name}: runtime delivery`, () => {
    it('handles every event once per group, keys in order and never concurrently', async () => {
      const log = await target.open();
      await log.append('orders', orderEvents(600, 40));
      const seen = new Map<string, number[]>();
      const active = new Set<string>();
      let overlaps = 0;
      const sub = subscribe(log, 'orders', { group: 'billing', concurrency: 8, ...quick }, async (event: CloudEvent<{ n: number }>) => {
        const key = event.partitionkey!;
        if (active.has(key)) overlaps++;
        active.add(key);
        await new Promise((r) => setImmediate(r));
        seen.set(key, [...(seen.get(key) ?? []), event.data!.n]);
        active.delete(key);
      });
      await waitFor(() => sub.stats().handled === 600, '600 handled');
      await sub.close();
      assert.equal(overlaps, 0, 'two handlers of one key ran at once');
      for (const [key, ns] of seen) assert.deepEqual(ns, [...ns].sort((a, b) => a - b), `order of ${key}`);
      const [group] = await log.groups('orders');
      assert.equal(group?.lag, 0);
      await log.close();
    });

    it('fans out: each group gets every event', async () => {
      const log = await target.open();
      await log.append('orders', orderEvents(100, 10));
      const counts = { a: 0, b: 0 };
      const a = subscribe(log, 'orders', { group: 'a', ...quick }, () => { counts.a++; });
      const b = subscribe(log, 'orders', { group: 'b', ...quick }, () => { counts.b++; });
      await waitFor(() => counts.a === 100 && counts.b === 100, 'both groups');
      await Promise.all([a.close(), b.close()]);
      await log.close();
    });

    it('picks up events appended after it started', async () => {
      const log = await target.open();
      let handled = 0;
      const sub = subscribe(log, 'live', { group: 'g', ...quick }, () => { handled++; });
      for (let i = 0; i < 5; i++) await log.append('live', orderEvents(20, 3));
      await waitFor(() => handled === 100, 'live events');
      await sub.close();
      await log.close();
    });

    it('keeps memory bounded: never holds more than maxInFlight', async () => {
      const log = await target.open();
      await log.append('backlog', orderEvents(3_000, 500));
      let peak = 0;
      const sub = subscribe(log, 'backlog', { group: 'slow', concurrency: 4, maxInFlight: 32, ...quick }, async () => {
        peak = Math.max(peak, sub.stats().inFlight);
        await new Promise((r) => setImmediate(r));
      });
      await waitFor(() => sub.stats().handled === 3_000, 'backlog drained', 30_000);
      await sub.close();
      assert.ok(peak <= 32, `held ${peak} deliveries with maxInFlight 32`);
      await log.close();
    });

    it('drains on close: running handlers finish, the rest goes to the next consumer, nothing lost', async () => {
      const log = await target.open();
      await log.append('drain', orderEvents(200, 200));
      const handled = new Set<string>();
      let release!: () => void;
      const gate = new Promise<void>((r) => { release = r; });
      const first = subscribe(log, 'drain', { group: 'g', concurrency: 4, maxInFlight: 50, ...quick }, async (event) => {
        await gate;
        handled.add(event.id);
      });
      await waitFor(() => first.stats().inFlight > 0, 'first consumer busy');
      const closing = first.close();
      release();
      await closing;
      assert.equal(handled.size, 4, 'the four running handlers finished');
      const second = subscribe(log, 'drain', { group: 'g', ...quick }, (event) => { handled.add(event.id); });
      await waitFor(() => handled.size === 200, 'second consumer takes the rest');
      await second.close();
      await log.close();
    });
  });
}
