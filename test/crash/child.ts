/**
 * The process the crash test kills. It publishes from 4 producers and consumes with one
 * transactional group (exactly-once effects table) and one at-least-once group, reporting on
 * stdout what it invoked and what was acknowledged (the test's history):
 *   I <producer> <seq> <size>            an append of ids <runId>-<producer>-<seq>..+size-1 is about to start
 *   A <producer> <seq> <id> <position>   an append resolved (acked)
 *   H <id> <position>                    the at-least-once handler finished (before its ack)
 *   T <id>                               the transactional handler committed
 * The exactly-once group's effects are rows (id, position, key) of table `effects`, in commit order.
 * Usage: node child.js <db> <runId> [drain]   (drain: publish nothing, consume until idle, exit)
 */
import Database from 'better-sqlite3';
import { openSqliteLog } from '../../src/backends/sqlite/index.js';
import { subscribe, subscribeTransactional } from '../../src/consumer/subscribe.js';
import { createEvent } from '../../src/core/envelope.js';
import { writeLine } from '../reliability/write-line.js';

const [, , path, runId, mode] = process.argv;
if (!path || !runId) throw new Error('usage: child.js <db> <runId> [drain]');
const setup = new Database(path);
setup.pragma('journal_mode = WAL');
setup.exec('CREATE TABLE IF NOT EXISTS effects (id TEXT NOT NULL, position INTEGER NOT NULL, key TEXT NOT NULL)');
setup.close();
const log = await openSqliteLog({ path, durability: 'fsync' });
const out = writeLine; // synchronous: a line is in the pipe before the ack that follows it

// Kills make leases expire, which counts attempts: never dead-letter here.
const quick = { pollInterval: 20, lease: 1_000, maxInFlight: 64, concurrency: 4, maxAttempts: 1_000_000 } as const;
const atLeastOnce = subscribe(log, 'crash', { group: 'alo', ...quick }, (event, ctx) => { out(`H ${event.id} ${ctx.delivery.position}`); });
const exactlyOnce = subscribeTransactional<unknown, Database.Database>(log, 'crash', { group: 'exo', ...quick }, (event, tx, ctx) => {
  tx.prepare('INSERT INTO effects (id, position, key) VALUES (?, ?, ?)').run(event.id, ctx.delivery.position, event.partitionkey);
  process.nextTick(() => out(`T ${event.id}`));
});

if (mode === 'drain') {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const groups = await log.groups('crash');
    if (groups.length === 2 && groups.every((g) => g.lag === 0)) break;
    if (Date.now() > deadline) throw new Error(`drain timed out: ${JSON.stringify(groups)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  await Promise.all([atLeastOnce.close(), exactlyOnce.close()]);
  await log.close();
  out('DRAINED');
} else {
  // 4 producers, each sequential on its own key, up to 250 events in flight each (batches of 1-8).
  await Promise.all([0, 1, 2, 3].map(async (p) => {
    for (let seq = 0; ; ) {
      const size = 1 + (seq % 8);
      const batch = Array.from({ length: size }, (_, i) =>
        createEvent({ id: `${runId}-${p}-${seq + i}`, type: 'crash.tick', key: `producer-${p}`, data: { p, seq: seq + i, pad: 'x'.repeat(200) } }));
      out(`I ${p} ${seq} ${size}`); // a synchronous write (a pipe, on Linux): logged before the append starts
      const receipts = await log.append('crash', batch);
      receipts.forEach((r, i) => out(`A ${p} ${seq + i} ${r.id} ${r.position}`));
      seq += size;
    }
  }));
}
