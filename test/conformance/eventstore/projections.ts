import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StandardSchemaV1 } from '@standard-schema/spec';
import { defineEvent } from '../../../src/core/contract.js';
import { createEvent } from '../../../src/core/envelope.js';
import { defineProjection, on } from '../../../src/eventstore/projection.js';
import { startProjection } from '../../../src/eventstore/projection-runner.js';
import { hasStreams } from '../../../src/log/streams.js';
import { counter, expectedCounts, orders, quick, waitFor, withFixture, type EventStoreTarget } from './helpers.js';

/** Catch-up, live follow, batching, restarts, sources and status. */
export function projectionSuite<Tx>(target: EventStoreTarget<Tx>): void {
  describe(`${target.name}: projections`, () => {
    it('catch-up from zero builds the same read model as following live', withFixture(target, async (fx) => {
      const live = startProjection(counter(fx.model, { name: 'live' }), quick(fx, { batchSize: 16 }));
      const events = orders(240);
      for (let i = 0; i < events.length; i += 1 + (i % 13)) {
        await fx.log.append('orders', events.slice(i, i + 1 + (i % 13)));
        if (i % 3 === 0) await new Promise((r) => setTimeout(r, 1));
      }
      await live.caughtUp();
      const catchUp = startProjection(counter(fx.model, { name: 'catchup' }), quick(fx, { batchSize: 16 }));
      await catchUp.caughtUp();
      const expected = expectedCounts(events);
      assert.deepEqual(await fx.model.read('live_v1'), expected);
      assert.deepEqual(await fx.model.read('catchup_v1'), expected, 'catch-up equals live follow');
      for (const runner of [live, catchUp]) {
        const status = await runner.status();
        assert.equal(status.state, 'live');
        assert.equal(status.role, 'active');
        assert.deepEqual(status.position, { orders: 240 });
        assert.equal(status.lag, 0, 'the trailing unhandled events are passed over');
        assert.equal(status.applied, expected.total);
      }
      await Promise.all([live.close(), catchUp.close()]);
      assert.equal((await live.status()).state, 'stopped');
    }));

    it('applies every event exactly once across batches and restarts', withFixture(target, async (fx, { restart }) => {
      const first = orders(100);
      await fx.log.append('orders', first);
      let runner = startProjection(counter(fx.model), quick(fx, { batchSize: 7 }));
      await runner.caughtUp();
      await runner.close();
      const second = orders(50, 100);
      await fx.log.append('orders', second);
      fx = await restart();
      runner = startProjection(counter(fx.model), quick(fx, { batchSize: 7 }));
      await runner.caughtUp();
      assert.deepEqual(await fx.model.read('counts_v1'), expectedCounts([...first, ...second]));
      assert.equal((await runner.status()).applied, expectedCounts([...first, ...second]).total, 'applied counts across restarts');
      await runner.close();
    }));

    it('a stop in the middle of catch-up resumes from the checkpoint without applying an event twice', withFixture(target, async (fx, { restart }) => {
      const events = orders(400);
      await fx.log.append('orders', events);
      let seen = 0;
      const stopping = startProjection(counter(fx.model, { spy: () => { if (++seen === 100) void stopping.close(); } }), quick(fx, { batchSize: 10 }));
      await stopping.closed;
      const status = await stopping.status();
      assert.equal(status.state, 'stopped');
      const position = status.position.orders!;
      assert.ok(position > 0 && position < 400, `stopped mid-way (at ${position})`);
      assert.deepEqual(await fx.model.read('counts_v1'), expectedCounts(events.slice(0, position)), 'the read model matches the checkpoint');
      fx = await restart();
      const resumed = startProjection(counter(fx.model), quick(fx, { batchSize: 10 }));
      await resumed.caughtUp();
      assert.deepEqual(await fx.model.read('counts_v1'), expectedCounts(events));
      await resumed.close();
    }));

    it('follows several topics, with a checkpoint per topic', withFixture(target, async (fx) => {
      const a = orders(30);
      const b = orders(45, 1000);
      for (let i = 0; i < 45; i += 5) {
        if (i < 30) await fx.log.append('orders', a.slice(i, i + 5));
        await fx.log.append('payments', b.slice(i, i + 5));
      }
      const runner = startProjection(counter(fx.model, { source: { topics: ['orders', 'payments'] } }), quick(fx, { batchSize: 8 }));
      await runner.caughtUp();
      assert.deepEqual(await fx.model.read('counts_v1'), expectedCounts([...a, ...b]));
      const status = await runner.status();
      assert.deepEqual(status.position, { orders: 30, payments: 45 });
      assert.deepEqual(status.head, { orders: 30, payments: 45 });
      await runner.close();
    }));

    it('status reports position, head and lag, and applied events', withFixture(target, async (fx) => {
      const events = orders(60);
      await fx.log.append('orders', events.slice(0, 40));
      const runner = startProjection(counter(fx.model), quick(fx));
      await runner.caughtUp();
      await runner.close();
      await fx.log.append('orders', events.slice(40));
      const stopped = await runner.status();
      assert.deepEqual([stopped.state, stopped.position, stopped.head, stopped.lag], ['stopped', { orders: 40 }, { orders: 60 }, 20]);
      assert.equal(stopped.applied, expectedCounts(events.slice(0, 40)).total);
      const again = startProjection(counter(fx.model), quick(fx));
      await again.caughtUp();
      const live = await again.status();
      assert.deepEqual([live.state, live.lag, live.applied], ['live', 0, expectedCounts(events).total]);
      await again.close();
    }));

    it('two runners of one version share the work and never apply an event twice', withFixture(target, async (fx) => {
      const events = orders(300);
      const runners = [1, 2].map(() => startProjection(counter(fx.model), quick(fx, { batchSize: 9 })));
      for (let i = 0; i < 300; i += 30) await fx.log.append('orders', events.slice(i, i + 30));
      await Promise.all(runners.map((r) => r.caughtUp()));
      assert.deepEqual(await fx.model.read('counts_v1'), expectedCounts(events));
      await Promise.all(runners.map((r) => r.close()));
    }));

    it('projects $all of the streams, filtered by category', withFixture(target, async (fx, { t }) => {
      if (!hasStreams(fx.log)) { t.skip(`${fx.log.backend} keeps no streams`); return; }
      const streams = fx.log.streams;
      const placed = (stream: string, n: number) => createEvent({ type: 'order.placed', key: stream, data: { n } });
      await streams.appendToStream('order-1', [placed('order-1', 1), placed('order-1', 2)]);
      await streams.appendToStream('payment-1', [placed('payment-1', 3)]);
      const runner = startProjection(counter(fx.model, { source: { all: true, category: 'order' } }), quick(fx));
      await runner.caughtUp();
      await streams.appendToStream('order-2', [placed('order-2', 4)]);
      await streams.appendToStream('payment-2', [placed('payment-2', 5)]);
      await runner.caughtUp();
      assert.deepEqual(await fx.model.read('counts_v1'), { 'order-1': 2, 'order-2': 1, total: 3 });
      const status = await runner.status();
      assert.deepEqual([status.position, status.lag], [{ $all: 5 }, 0]);
      await runner.close();
    }));

    it('upcasts through contracts and passes unhandled types over', withFixture(target, async (fx) => {
      const Placed = defineEvent<{ orderId: string; total: number }>({ type: 'order.placed', version: 2, schema: anything(), upcast: { 1: (d) => ({ ...(d as object), total: 0 }) } });
      const seen: { orderId: string; total: number }[] = [];
      const typed = defineProjection<Tx>({ name: 'typed', version: 1, source: { topics: ['orders'] }, handlers: [on(Placed, (event) => { seen.push(event.data); })] });
      await fx.log.append('orders', [
        createEvent({ type: 'order.placed', data: { orderId: 'o-1' }, extensions: { dataversion: 1 } }),
        await Placed.create({ orderId: 'o-2', total: 5 }),
        createEvent({ type: 'order.other', data: 2 }),
      ]);
      const runner = startProjection(typed, quick(fx));
      await runner.caughtUp();
      assert.deepEqual(seen, [{ orderId: 'o-1', total: 0 }, { orderId: 'o-2', total: 5 }]);
      await waitFor(async () => (await runner.status()).lag === 0, 'lag 0');
      await runner.close();
    }));
  });
}

/** A Standard Schema accepting any value (the suite ships without a validator library). */
function anything<T>(): StandardSchemaV1<unknown, T> {
  return { '~standard': { version: 1, vendor: 'herald-test', validate: (value) => ({ value: value as T }) } };
}
