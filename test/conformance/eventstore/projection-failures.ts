import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defineProjection, on } from '../../../src/eventstore/projection.js';
import { startProjection } from '../../../src/eventstore/projection-runner.js';
import { counter, expectedCounts, orders, quick, withFixture, type EventStoreTarget } from './helpers.js';

/** A failing handler: retried with backoff, then the projection stops at the event (never skips it). */
export function projectionFailureSuite<Tx>(target: EventStoreTarget<Tx>): void {
  describe(`${target.name}: projection failures`, () => {
    it('an event that keeps failing stops the projection in failed at that event', withFixture(target, async (fx) => {
      const events = orders(80);
      const receipts = await fx.log.append('orders', events);
      const bad = events[37]!;
      const spy = (e: { id: string }): void => { if (e.id === bad.id) throw new Error('cannot apply 37'); };
      const errors: unknown[] = [];
      const runner = startProjection(counter(fx.model, { spy }), quick(fx, { batchSize: 16, maxAttempts: 3, onError: (e) => errors.push(e) }));
      await assert.rejects(runner.caughtUp(), { code: 'HERALD_E_CLOSED' });
      await runner.closed;
      const status = await runner.status();
      assert.equal(status.state, 'failed');
      assert.deepEqual(status.position, { orders: receipts[36]!.position }, 'stopped right before the failing event');
      assert.deepEqual(await fx.model.read('counts_v1'), expectedCounts(events.slice(0, 37)), 'the events before it were applied, nothing after');
      assert.equal(status.lastError?.eventId, bad.id);
      assert.equal(status.lastError?.eventType, bad.type);
      assert.deepEqual([status.lastError?.source, status.lastError?.position], ['orders', receipts[37]!.position]);
      assert.equal(status.lastError?.attempts, 3);
      assert.equal(status.lastError?.message, 'cannot apply 37');
      assert.equal(errors.length, 3, 'onError saw every attempt');
      const [record] = await fx.store.records('counts');
      assert.equal(record?.lastError?.eventId, bad.id, 'the failure is kept with the checkpoint');
      assert.deepEqual(record?.position, { orders: receipts[36]!.position });
    }));

    it('an event that fails a few times then succeeds is applied once and the projection goes on', withFixture(target, async (fx) => {
      const events = orders(40);
      await fx.log.append('orders', events);
      let failures = 0;
      const spy = (e: { id: string }): void => { if (e.id === events[10]!.id && failures < 2) { failures++; throw new Error('flaky'); } };
      const runner = startProjection(counter(fx.model, { spy }), quick(fx, { batchSize: 16, maxAttempts: 5 }));
      await runner.caughtUp();
      assert.deepEqual(await fx.model.read('counts_v1'), expectedCounts(events));
      const status = await runner.status();
      assert.deepEqual([status.state, status.errors, status.lastError], ['live', 2, undefined]);
      assert.equal((await fx.store.records('counts'))[0]?.lastError, undefined, 'a success clears the stored error');
      await runner.close();
    }));

    it('a handler returning a promise fails at once where the transaction cannot span awaits', withFixture(target, async (fx) => {
      await fx.log.append('orders', orders(3));
      let settled = 0;
      const asyncHandler = defineProjection<Tx>({
        name: 'async', version: 1, source: { topics: ['orders'] },
        handlers: [on('order.placed', (async () => { await new Promise((r) => setTimeout(r, 5)); settled++; }) as unknown as () => void)],
      });
      const runner = startProjection(asyncHandler, quick(fx, { maxAttempts: 5 }));
      if (fx.store.asyncHandlers === true) {
        await runner.caughtUp();
        const live = await runner.status();
        assert.deepEqual([live.state, live.position, live.applied, settled], ['live', { orders: 3 }, 2, 2], 'the store awaited each handler before its commit');
        await runner.close();
        return;
      }
      await runner.closed;
      const status = await runner.status();
      assert.deepEqual([status.state, status.lastError?.code, status.lastError?.attempts], ['failed', 'HERALD_E_INVALID_ARGUMENT', 1]);
      assert.deepEqual(status.position, {}, 'nothing was committed');
    }));

    it('a version whose source changed does not start', withFixture(target, async (fx) => {
      const first = startProjection(counter(fx.model), quick(fx));
      await first.caughtUp();
      await first.close();
      const moved = startProjection(counter(fx.model, { source: { topics: ['payments'] } }), quick(fx));
      await moved.closed;
      const status = await moved.status();
      assert.deepEqual([status.state, status.lastError?.code], ['failed', 'HERALD_E_INVALID_ARGUMENT']);
      assert.match(status.lastError?.message ?? '', /new version/);
    }));
  });
}
