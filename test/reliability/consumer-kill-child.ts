/**
 * One of the R3 consumer workers (consumer-kill.e2e.test.ts SIGKILLs them at random). It consumes
 * topic `work` in two groups and writes one line per fact to stdout (synchronous on a Linux pipe,
 * so a line is out before the ack that follows it, and survives the kill):
 *   H <id> <position> <key> <pid> <attempt> <ms>   `alo` (at-least-once): the handler finished, its ack not yet sent
 * An `alo` handler takes 0–2×<handlerMs> ms (awaited), so each worker always holds deliveries in
 * flight and a kill lands mid-batch; the `exo` handler must not await (its transaction is open).
 *   D <id> <attempt>          `exo` (exactly-once): the handler started
 * The `exo` effect is a row in `effects`, committed with the ack (`subscribeTransactional`).
 * Runs until killed. Usage: node consumer-kill-child.js <db> <maxInFlight> <leaseMs> <handlerMs>
 */
import type Database from 'better-sqlite3';
import { openSqliteLog } from '../../src/backends/sqlite/index.js';
import { subscribe, subscribeTransactional } from '../../src/consumer/subscribe.js';
import { keyOf } from '../../src/core/envelope.js';
import { writeLine } from './write-line.js';

const [, , path, maxInFlight, leaseMs, handlerMs] = process.argv;
if (!path || !maxInFlight || !leaseMs || !handlerMs) throw new Error('usage: consumer-kill-child.js <db> <maxInFlight> <leaseMs> <handlerMs>');
const log = await openSqliteLog({ path });
const out = writeLine; // synchronous: a line is in the pipe before the ack that follows it
// Kills make leases expire, which counts attempts: never dead-letter here.
const options = { pollInterval: 20, lease: Number(leaseMs), maxInFlight: Number(maxInFlight), concurrency: 8, maxAttempts: 1_000_000 } as const;

subscribe(log, 'work', { group: 'alo', ...options }, async (event, ctx) => {
  await new Promise((r) => setTimeout(r, Math.random() * 2 * Number(handlerMs)));
  out(`H ${event.id} ${ctx.delivery.position} ${keyOf(event) ?? '-'} ${process.pid} ${ctx.delivery.attempt} ${Date.now()}`);
});
subscribeTransactional<unknown, Database.Database>(log, 'work', { group: 'exo', ...options }, (event, tx, ctx) => {
  out(`D ${event.id} ${ctx.delivery.attempt}`);
  tx.prepare('INSERT INTO effects (id, position, key) VALUES (?, ?, ?)').run(event.id, ctx.delivery.position, keyOf(event) ?? '-');
});
out('READY');
