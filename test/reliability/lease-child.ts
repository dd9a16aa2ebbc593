/**
 * One of two consumer processes of the lease-fencing test. Both consume topic `fence` in group
 * `alo` (at-least-once; prints `H <id> <position> <key> <wall ms>` when a handler finishes) and group
 * `exo` (exactly-once: the effect row (id, position, key) and the ack commit together). An `alo` handler of an event marked `block` blocks
 * the whole event loop for `blockMs` on its first attempt, so every lease this process holds
 * expires and the other process takes them over. Exits once both groups have no lag.
 * Usage: node lease-child.js <db> <leaseMs> <blockMs>
 */
import type Database from 'better-sqlite3';
import { openSqliteLog } from '../../src/backends/sqlite/index.js';
import { subscribe, subscribeTransactional } from '../../src/consumer/subscribe.js';
import { writeLine } from './write-line.js';

const [, , path, leaseMs, blockMs] = process.argv;
if (!path) throw new Error('usage: lease-child.js <db> <leaseMs> <blockMs>');
const log = await openSqliteLog({ path });
const out = writeLine; // synchronous: a line is in the pipe before the ack that follows it
const options = { lease: Number(leaseMs), pollInterval: 20, maxAttempts: 1_000, concurrency: 8, backoff: { initial: 10, max: 50 } } as const;

const alo = subscribe<{ block?: boolean }>(log, 'fence', { group: 'alo', ...options }, (event, ctx) => {
  if (event.data?.block && ctx.delivery.attempt === 1) {
    const until = Date.now() + Number(blockMs);
    while (Date.now() < until) { /* a handler that blocks the event loop */ }
  }
  out(`H ${event.id} ${ctx.delivery.position} ${String(event.partitionkey)} ${performance.timeOrigin + performance.now()}`);
});
const exo = subscribeTransactional<unknown, Database.Database>(log, 'fence', { group: 'exo', ...options }, (event, tx, ctx) => {
  tx.prepare('INSERT INTO effects (id, position, key) VALUES (?, ?, ?)').run(event.id, ctx.delivery.position, event.partitionkey);
});

for (;;) {
  const groups = await log.groups('fence');
  if (groups.length === 2 && groups.every((g) => g.lag === 0)) break;
  await new Promise((r) => setTimeout(r, 50));
}
await Promise.all([alo.close(), exo.close()]);
out(`STATS ${JSON.stringify({ alo: alo.stats(), exo: exo.stats() })}`);
await log.close();
