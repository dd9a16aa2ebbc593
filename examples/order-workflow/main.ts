/**
 * The order flow as a durable workflow (saga) on the embedded backend:
 *   node dist/examples/order-workflow/main.js     (HERALD_DB picks the database, default ./data/order-workflow.db)
 * Places four orders and prints, for each, its outcome and its step history.
 */
import { uuidv7, openHerald } from '../../src/index.js';
import { SOURCE } from './contracts.js';
import { demoOrders, runOrderWorkflow } from './run.js';

const path = process.env.HERALD_DB ?? './data/order-workflow.db';
const h = await openHerald({ path, source: SOURCE });
console.log(`herald order workflow — embedded log at ${path}\n`);
try {
  const orders = demoOrders(uuidv7().slice(-6));
  const { runner, outcomes, services } = await runOrderWorkflow(h, orders);
  for (const order of orders) {
    const view = await runner.inspect('order', order.orderId);
    const outcome = outcomes.get(order.orderId)!;
    console.log(`order ${order.orderId}: ${outcome.status} (${outcome.detail})`);
    for (const step of view.steps) {
      const attempts = step.attempts.map((a) => (a.error ? `✗ ${a.error.message}` : `✓ ${a.ms ?? 0}ms`)).join(', ');
      console.log(`  #${step.seq} ${step.kind === 'compensation' ? '↩ ' : ''}${step.name}: ${attempts}`);
    }
    for (const w of view.waits) console.log(`  waited for ${w.type} on ${w.topic}: ${w.timedOut ? 'timed out' : `got ${w.receivedEventId ?? '?'}`}`);
  }
  console.log(`\nstock left: ${JSON.stringify(Object.fromEntries(services.stock))}`);
  console.log(`service calls: ${services.calls.join(' · ')}`);
  await runner.close();
} finally {
  await h.close();
}
