/**
 * The order-flow demo: `npm start`. Places a few orders on the embedded backend
 * (./data/herald.db), shows each service reacting, a retried email, a declined card compensated
 * by cancelling the order and releasing its stock, and the causal tree of that order.
 */
import { openHerald } from '../../src/index.js';
import { TOPICS } from './contracts.js';
import { runOrderFlow } from './flow.js';
import { renderTree, traceCorrelation } from './trace.js';

const path = process.env.HERALD_DB ?? './data/herald.db';
const h = await openHerald({ path, source: 'urn:herald:example:order-flow' });
const started = performance.now();
console.log(`herald order-flow demo — embedded log at ${path}\n`);

const { state, orders } = await runOrderFlow(h, 8, { say: (line) => console.log(`  ${line}`), flakyEmails: 1 });

const ms = performance.now() - started;
console.log(`\n${orders.length} orders settled in ${ms.toFixed(0)} ms`);
console.log('analytics:', JSON.stringify(state.analytics));
console.log('stock left:', JSON.stringify(Object.fromEntries(state.stock)));

const declined = orders.find((o) => o.declined);
if (declined) {
  console.log(`\nwhat happened to ${declined.orderId}?`);
  for (const line of renderTree(await traceCorrelation(h, TOPICS, declined.eventId))) console.log(`  ${line}`);
}
console.log('\nconsumer groups:');
for (const g of await h.log.groups()) {
  if (TOPICS.includes(g.topic as (typeof TOPICS)[number])) console.log(`  ${g.topic.padEnd(14)} ${g.group.padEnd(13)} lag ${g.lag}`);
}
await h.close();
