/**
 * The order-flow demo on the embedded backend alone (`npm run demo`): places a few orders (each
 * an event-sourced stream `order-<id>`) in ./data/herald.db, shows each service reacting, a retried email, a declined card compensated
 * by cancelling the order and releasing its stock, the causal tree and the stream of that order,
 * and the read model "orders by status" (./data/order-flow.db).
 * `npm start` runs the same demo as a client of the herald server (examples/start.ts).
 */
import { dirname, join } from 'node:path';
import { openHerald } from '../../src/index.js';
import { SOURCE } from './contracts.js';
import { runDemo } from './demo.js';

const path = process.env.HERALD_DB ?? './data/herald.db';
const h = await openHerald({ path, source: SOURCE });
console.log(`herald order-flow demo — embedded log at ${path}\n`);
try {
  await runDemo(h, console.log, join(dirname(path), 'order-flow.db'));
} finally {
  await h.close();
}
