import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createEvent, type CloudEvent } from '../../../src/core/envelope.js';
import { HeraldError } from '../../../src/core/errors.js';
import { startOutboxRelay } from '../../../src/eventstore/outbox-relay.js';
import type { EventLog } from '../../../src/log/types.js';
import { waitFor, withFixture, type EventStoreTarget } from './helpers.js';

const placed = (order: string, n: number): CloudEvent => createEvent({ type: 'order.placed', key: order, data: { order, n } });

/** Ids on `topic` in log order. */
async function idsOn(log: EventLog, topic: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const stored of log.read(topic)) ids.push(stored.event.id);
  return ids;
}

/** Business rows and events commit together; the relay moves them in order, at least once, deduplicated by id. */
export function outboxSuite<Tx>(target: EventStoreTarget<Tx>): void {
  describe(`${target.name}: outbox`, () => {
    it('business rows and their events commit together; a rollback leaves neither', withFixture(target, async (fx) => {
      await fx.commitBusiness('o-1', 'orders', [placed('o-1', 1), placed('o-1', 2)]);
      await assert.rejects(async () => fx.commitBusiness('o-2', 'orders', [placed('o-2', 1)], true), /business rule rejected o-2/);
      assert.deepEqual(await fx.businessRows(), ['o-1']);
      assert.equal(await fx.outbox.pending(), 2);
      const rows = await fx.outbox.peek(10);
      assert.deepEqual(rows.map((r) => [r.topic, (r.event.data as { order: string }).order]), [['orders', 'o-1'], ['orders', 'o-1']]);
      assert.ok(rows[0]!.seq < rows[1]!.seq);
    }));

    it('enqueue checks its arguments and enqueues nothing when one is wrong', withFixture(target, async (fx) => {
      await assert.rejects(async () => fx.commitBusiness('b-1', 'bad topic', [placed('o', 1)]), { code: 'HERALD_E_INVALID_ARGUMENT' });
      await assert.rejects(async () => fx.commitBusiness('b-2', 'orders', []), { code: 'HERALD_E_INVALID_ARGUMENT' });
      const broken = JSON.parse('{"id":"x"}') as CloudEvent; // no source, type or specversion
      await assert.rejects(async () => fx.commitBusiness('b-3', 'orders', [placed('o', 1), broken]), { code: 'HERALD_E_INVALID_EVENT' });
      assert.equal(await fx.outbox.pending(), 0);
      assert.deepEqual(await fx.businessRows(), [], 'the transactions rolled back');
    }));

    it('the relay appends in enqueue order per topic and empties the outbox', withFixture(target, async (fx) => {
      const expected: Record<string, string[]> = { orders: [], payments: [] };
      for (let i = 0; i < 60; i++) {
        const topic = i % 3 === 0 ? 'payments' : 'orders';
        const events = [placed(`o-${i}`, 0), placed(`o-${i}`, 1)];
        await fx.commitBusiness(`o-${i}`, topic, events);
        expected[topic]!.push(...events.map((e) => e.id));
      }
      const relay = startOutboxRelay({ outbox: fx.outbox, log: fx.log, batchSize: 7, pollInterval: 20 });
      await relay.flush();
      assert.deepEqual(await idsOn(fx.log, 'orders'), expected.orders);
      assert.deepEqual(await idsOn(fx.log, 'payments'), expected.payments);
      const status = await relay.status();
      assert.deepEqual([status.state, status.pending, status.relayed, status.errors], ['running', 0, 120, 0]);
      await relay.close();
      assert.equal((await relay.status()).state, 'stopped');
    }));

    it('a crash between append and mark re-appends the rows; the log keeps one copy, in order', withFixture(target, async (fx, { restart }) => {
      const events = Array.from({ length: 30 }, (_, i) => placed(`o-${i}`, i));
      for (const [i, e] of events.entries()) await fx.commitBusiness(`o-${i}`, 'orders', [e]);
      // What a relay does before it dies: append the first rows, never mark them.
      const rows = await fx.outbox.peek(12);
      await fx.log.append('orders', rows.map((r) => r.event));
      fx = await restart();
      assert.equal(await fx.outbox.pending(), 30, 'nothing was marked');
      const relay = startOutboxRelay({ outbox: fx.outbox, log: fx.log, batchSize: 5, pollInterval: 20 });
      await relay.flush();
      assert.deepEqual(await idsOn(fx.log, 'orders'), events.map((e) => e.id), 'each row once, in enqueue order');
      assert.equal((await relay.status()).relayed, 30, 'the 12 re-appended rows were duplicates the log dropped');
      await relay.close();
    }));

    it('an enqueue wakes an idle relay at once', withFixture(target, async (fx) => {
      const relay = startOutboxRelay({ outbox: fx.outbox, log: fx.log, pollInterval: 60_000 });
      await new Promise((r) => setTimeout(r, 30)); // the relay is asleep now
      const started = Date.now();
      await fx.commitBusiness('o-1', 'orders', [placed('o-1', 1)]);
      await waitFor(async () => (await idsOn(fx.log, 'orders')).length === 1, 'the relayed event', 5_000);
      assert.ok(Date.now() - started < 5_000);
      await relay.close();
    }));

    it('a failing append is retried, never skipped, and shows in status', withFixture(target, async (fx) => {
      let failures = 3;
      const flaky = new Proxy(fx.log, {
        get(log, prop, receiver) {
          if (prop !== 'append') return Reflect.get(log, prop, receiver) as unknown;
          return (topic: string, events: readonly CloudEvent[]) => {
            if (failures-- > 0) return Promise.reject(new HeraldError('HERALD_E_BUSY', 'injected: the log is busy'));
            return log.append(topic, events);
          };
        },
      });
      const events = Array.from({ length: 10 }, (_, i) => placed('o', i));
      for (const [i, e] of events.entries()) await fx.commitBusiness(`o-${i}`, 'orders', [e]);
      const relay = startOutboxRelay({ outbox: fx.outbox, log: flaky, batchSize: 4, pollInterval: 20, backoff: { initial: 2, max: 5 } });
      await relay.flush();
      const status = await relay.status();
      assert.equal(status.errors, 3);
      assert.deepEqual([status.lastError?.code, status.lastError?.topic], ['HERALD_E_BUSY', 'orders']);
      assert.deepEqual(await idsOn(fx.log, 'orders'), events.map((e) => e.id));
      await relay.close();
    }));
  });
}
