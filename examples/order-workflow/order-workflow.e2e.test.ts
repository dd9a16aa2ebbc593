import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Herald, MemoryLog, openHerald, type CloudEvent } from '../../src/index.js';
import { OrderPlaced, SOURCE } from './contracts.js';
import { demoOrders, runOrderWorkflow } from './run.js';

async function events(h: Herald, topic: string): Promise<CloudEvent[]> {
  const all: CloudEvent[] = [];
  for await (const e of h.read(topic)) all.push(e.event);
  return all;
}

const setups = [
  { name: 'memory', open: async () => ({ h: new Herald(new MemoryLog(), SOURCE), done: () => undefined }) },
  {
    name: 'sqlite',
    open: async () => {
      const dir = mkdtempSync(join(tmpdir(), 'herald-order-wf-'));
      return { h: await openHerald({ path: join(dir, 'herald.db'), durability: 'os', source: SOURCE }), done: () => rmSync(dir, { recursive: true, force: true }) };
    },
  },
];

for (const setup of setups) {
  describe(`the order workflow example on ${setup.name}`, () => {
    it('confirms a shipped order and compensates a declined card, a missing shipment and missing stock', async () => {
      const { h, done } = await setup.open();
      const orders = demoOrders('o');
      const { services, runner, outcomes } = await runOrderWorkflow(h, orders);
      try {
        assert.deepEqual(orders.map((o) => outcomes.get(o.orderId)?.status), ['confirmed', 'cancelled', 'cancelled', 'cancelled']);
        assert.match(outcomes.get('o-2')!.detail, /declined/);
        assert.match(outcomes.get('o-3')!.detail, /not shipped within/);
        assert.match(outcomes.get('o-4')!.detail, /out of stock: lamp/);
        assert.deepEqual(Object.fromEntries(services.stock), { book: 8, lamp: 3 }, 'only the shipped order keeps its stock');
        assert.deepEqual([...services.charged.keys()], ['o-1'], 'every other payment was refunded or never taken');
        const o3 = services.calls.filter((c) => c.endsWith(' o-3'));
        assert.deepEqual(o3, ['charge o-3', 'reserve o-3', 'release o-3', 'refund o-3'], 'compensations run in reverse');
        assert.equal(services.calls.filter((c) => c === 'charge o-1').length, 2, 'the timed-out gateway call was retried once');

        const orderEvents = await events(h, 'orders');
        const kinds = (type: string) => orderEvents.filter((e) => e.type === type).map((e) => (e.data as { orderId: string }).orderId).sort();
        assert.deepEqual(kinds('order.confirmed'), ['o-1']);
        assert.deepEqual(kinds('order.cancelled'), ['o-2', 'o-3', 'o-4']);
        const placed3 = orderEvents.find((e) => e.type === 'order.placed' && (e.data as { orderId: string }).orderId === 'o-3')!;
        const cancelled3 = orderEvents.find((e) => e.type === 'order.cancelled' && (e.data as { orderId: string }).orderId === 'o-3')!;
        assert.equal(cancelled3.correlationid, placed3.id, 'the compensating event is correlated with the order.placed that started it');
        assert.deepEqual((await events(h, 'inventory')).filter((e) => e.type === 'stock.released').map((e) => (e.data as { orderId: string }).orderId), ['o-3']);
        assert.deepEqual((await events(h, 'payments')).filter((e) => e.type === 'payment.refunded').map((e) => (e.data as { orderId: string }).orderId).sort(), ['o-3', 'o-4']);

        const view = await runner.inspect('order', 'o-3');
        assert.deepEqual(view.steps.map((s) => `${s.kind}:${s.name}`), [
          'step:charge payment', 'step:reserve stock', 'compensation:undo reserve stock', 'compensation:undo charge payment', 'step:publish order.cancelled to orders',
        ]);
        assert.equal(view.waits[0]!.timedOut, true);

        // The same order placed again (another event, same order id) starts nothing new.
        await h.publish('orders', OrderPlaced, orders[0]!, { key: 'o-1' });
        await new Promise((r) => setTimeout(r, 300));
        assert.equal(services.calls.filter((c) => c === 'charge o-1').length, 2);
        assert.equal((await runner.list({ workflow: 'order' })).length, 4);
      } finally {
        await runner.close();
        await h.close();
        done();
      }
    });
  });
}
