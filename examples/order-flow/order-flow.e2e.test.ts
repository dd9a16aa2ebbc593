import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openHerald } from '../../src/index.js';
import { TOPICS } from './contracts.js';
import { runOrderFlow } from './flow.js';
import { traceCorrelation, type TraceNode } from './trace.js';

function types(nodes: readonly TraceNode[]): string[] {
  return nodes.flatMap((n) => [n.event.type, ...types(n.children)]).sort();
}

test('order flow end to end on the embedded backend, with compensation and a retried email', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'herald-order-flow-'));
  const h = await openHerald({ path: join(dir, 'herald.db') });
  try {
    const { state, orders } = await runOrderFlow(h, 12, { flakyEmails: 2 });
    const declined = orders.filter((o) => o.declined);
    assert.equal(declined.length, 3);
    assert.equal(state.analytics['order.placed'], 12);
    assert.equal(state.analytics['order.confirmed'], 9);
    assert.equal(state.analytics['order.cancelled'], 3);
    assert.equal(state.emails.length, 12, 'every customer got exactly one email despite two mail failures');
    for (const o of declined) {
      assert.ok(state.emails.includes(`${o.orderId}:order-cancelled`));
      assert.equal(state.reserved.has(o.orderId), false, 'stock of a declined order is released');
      const tree = await traceCorrelation(h, TOPICS, o.eventId);
      assert.equal(tree.length, 1, 'one root: the order.placed event');
      const seen = types(tree);
      for (const t of ['order.placed', 'payment.failed', 'order.cancelled', 'notification.sent']) assert.ok(seen.includes(t), `${t} in the causal tree`);
      if (seen.includes('stock.reserved')) assert.ok(seen.includes('stock.released'), 'a reservation is compensated');
    }
    const stockTaken = [...state.reserved.values()].flat().reduce((n, i) => n + i.qty, 0);
    const stockLeft = [...state.stock.values()].reduce((a, b) => a + b, 0);
    assert.equal(stockLeft + stockTaken, 125, 'no stock lost or invented');
  } finally {
    await h.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
