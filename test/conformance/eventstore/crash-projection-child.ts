/**
 * The process the projection crash test kills. It appends events to a SqliteLog (4 producers,
 * batches of 1-8) while a projection follows the topic into an application database: each
 * applied event adds a row to `seen_v1`, in the transaction that moves the checkpoint.
 * Usage: node crash-projection-child.js <log.db> <app.db> <runId> [drain]
 *   drain: append nothing, catch up, print DRAINED and exit.
 * It prints READY once running; the test kills it a random time after that. For the test's history
 * it prints `I <p> <seq> <size>` before each append (ids <runId>-<p>-<seq>-0..size-1) and
 * `A <id> <position>` for each acked event.
 */
import Database from 'better-sqlite3';
import { openSqliteLog } from '../../../src/backends/sqlite/index.js';
import { createEvent } from '../../../src/core/envelope.js';
import { defineProjection, on } from '../../../src/eventstore/projection.js';
import { startProjection } from '../../../src/eventstore/projection-runner.js';
import { sqliteProjectionStore } from '../../../src/eventstore/projection-store-sqlite.js';
import type { SqlDatabase } from '../../../src/eventstore/sql.js';
import { writeLine } from '../../reliability/write-line.js';

const [, , logPath, appPath, runId, mode] = process.argv;
if (!logPath || !appPath || !runId) throw new Error('usage: crash-projection-child.js <log.db> <app.db> <runId> [drain]');

const log = await openSqliteLog({ path: logPath, durability: 'os' });
const db = new Database(appPath);
db.pragma('journal_mode = WAL');
db.pragma('busy_timeout = 5000');

const seen = defineProjection<SqlDatabase>({
  name: 'seen', version: 1, source: { topics: ['crash'] },
  setup: (ctx) => { ctx.tx.exec(`CREATE TABLE ${ctx.table('seen')} (id TEXT NOT NULL, position INTEGER NOT NULL)`); },
  handlers: [on('crash.tick', (event, ctx) => {
    ctx.tx.prepare(`INSERT INTO ${ctx.table('seen')} (id, position) VALUES (?, ?)`).run(event.id, ctx.record.position);
  })],
});
const runner = startProjection(seen, { log, store: sqliteProjectionStore(db), batchSize: 25, pollInterval: 20, maxAttempts: 1_000_000 });
writeLine('READY');

if (mode === 'drain') {
  await runner.caughtUp({ timeout: 120_000 });
  await runner.close();
  await log.close();
  db.close();
  writeLine('DRAINED');
} else {
  await Promise.all([0, 1, 2, 3].map(async (p) => {
    for (let seq = 0; ; seq++) {
      const size = 1 + (seq % 8);
      writeLine(`I ${p} ${seq} ${size}`); // synchronous on a pipe: logged before the append starts
      const receipts = await log.append('crash', Array.from({ length: size }, (_, i) => createEvent({ id: `${runId}-${p}-${seq}-${i}`, type: 'crash.tick', data: { p } })));
      writeLine(receipts.map((r) => `A ${r.id} ${r.position}`).join('\n'));
      await new Promise((r) => setTimeout(r, 1));
    }
  }));
}
