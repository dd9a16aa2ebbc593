/**
 * The order-flow demo on the embedded backend alone (`npm run demo`): places a few orders in
 * ./data/herald.db, shows each service reacting, a retried email, a declined card compensated
 * by cancelling the order and releasing its stock, and the causal tree of that order.
 * `npm start` runs the same demo as a client of the herald server (examples/start.ts).
 */
import { openHerald } from '../../src/index.js';
import { runDemo } from './demo.js';

const path = process.env.HERALD_DB ?? './data/herald.db';
const h = await openHerald({ path, source: 'urn:herald:example:order-flow' });
console.log(`herald order-flow demo — embedded log at ${path}\n`);
await runDemo(h);
await h.close();
