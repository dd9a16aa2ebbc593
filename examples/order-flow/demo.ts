import type { Herald } from '../../src/index.js';
import { TOPICS } from './contracts.js';
import { runOrderFlow } from './flow.js';
import { renderTree, traceCorrelation } from './trace.js';

/** Places a few orders through `h`, shows each service reacting, then the causal tree of a declined one. */
export async function runDemo(h: Herald, say: (line: string) => void = console.log): Promise<void> {
  const started = performance.now();
  const { state, orders } = await runOrderFlow(h, 8, { say: (line) => say(`  ${line}`), flakyEmails: 1 });

  say(`\n${orders.length} orders settled in ${(performance.now() - started).toFixed(0)} ms`);
  say(`analytics: ${JSON.stringify(state.analytics)}`);
  say(`stock left: ${JSON.stringify(Object.fromEntries(state.stock))}`);

  const declined = orders.find((o) => o.declined);
  if (declined) {
    say(`\nwhat happened to ${declined.orderId}?`);
    for (const line of renderTree(await traceCorrelation(h, TOPICS, declined.eventId))) say(`  ${line}`);
  }
  say('\nconsumer groups:');
  for (const g of await h.log.groups()) {
    if (TOPICS.includes(g.topic as (typeof TOPICS)[number])) say(`  ${g.topic.padEnd(14)} ${g.group.padEnd(13)} lag ${g.lag}`);
  }
}
