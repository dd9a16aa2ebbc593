import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { Herald } from '../../src/index.js';
import { hasStreams } from '../../src/index.js';
import { TOPICS } from './contracts.js';
import { runOrderFlow } from './flow.js';
import { orderStream } from './order.js';
import { READ_MODEL, sqliteOrdersReadModel } from './read-model.js';
import { renderTree, traceCorrelation } from './trace.js';

/**
 * Places a few orders through `h`, shows each service reacting, the causal tree of a declined
 * order and its stream, then the read model "orders by status", kept in the SQLite database
 * `readModelPath` (the application's own, beside the log).
 */
export async function runDemo(h: Herald, say: (line: string) => void = console.log, readModelPath = './data/order-flow.db'): Promise<void> {
  mkdirSync(dirname(readModelPath), { recursive: true });
  const db = new Database(readModelPath);
  db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 5000');
  const readModel = sqliteOrdersReadModel(db);
  const projection = readModel.start(h.log);
  try {
    say(hasStreams(h.log) ? 'each order is an event-sourced stream order-<id>; its events reach the topic order\n'
      : `(this ${h.log.backend} log keeps no streams: order events are published straight to the topic, without the order aggregate)\n`);
    const started = performance.now();
    const { state, orders } = await runOrderFlow(h, 8, { say: (line) => say(`  ${line}`), flakyEmails: 1 });

    say(`\n${orders.length} orders settled in ${(performance.now() - started).toFixed(0)} ms`);
    say(`analytics: ${JSON.stringify(state.analytics)}`);
    say(`stock left: ${JSON.stringify(Object.fromEntries(state.stock))}`);

    const declined = orders.find((o) => o.declined);
    if (declined) {
      say(`\nwhat happened to ${declined.orderId}?`);
      for (const line of renderTree(await traceCorrelation(h, TOPICS, declined.eventId))) say(`  ${line}`);
      if (hasStreams(h.log)) {
        say(`its stream ${orderStream(declined.orderId)}:`);
        for await (const e of h.log.streams.readStream(orderStream(declined.orderId))) say(`  #${e.revision} ${e.event.type}  ($all ${e.globalPosition}, topic ${e.topic}#${e.position})`);
      }
    }
    say('\nconsumer groups:');
    for (const g of await h.log.groups()) {
      if (TOPICS.includes(g.topic as (typeof TOPICS)[number])) say(`  ${g.topic.padEnd(14)} ${g.group.padEnd(13)} lag ${g.lag}`);
    }

    await projection.caughtUp({ timeout: '10s' });
    const { version, applied, lag } = await projection.status();
    say(`\nread model "${READ_MODEL}" v${version} in ${readModelPath}, every order of the log (${applied} events applied, lag ${lag}):`);
    say(`  ${Object.entries(readModel.countByStatus()).map(([status, n]) => `${status} ${n}`).join(' · ')}`);
    const ours = new Set(orders.map((o) => o.orderId));
    for (const row of readModel.rows().filter((r) => ours.has(r.orderId)).slice(0, 4)) {
      say(`  ${row.orderId}  ${row.status.padEnd(9)}  ${row.customer.padEnd(20)} ${row.total.toFixed(2).padStart(7)}`);
    }
  } finally {
    await projection.close();
    db.close();
  }
}
