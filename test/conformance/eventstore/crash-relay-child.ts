/**
 * The process the outbox crash test kills. Business transactions insert an order row and
 * enqueue its events (1-4, to `orders` or `payments`) in one transaction; every seventh
 * transaction enqueues and then fails (rolled back). A relay moves the outbox to a SqliteLog.
 * Usage: node crash-relay-child.js <log.db> <app.db> <runId> [drain]
 *   drain: commit nothing, relay everything pending, print DRAINED and exit.
 * It prints READY once running; the test kills it a random time after that. It prints
 * `I <topic> <id>...` before each business transaction and `R <id>...` after one rolled back.
 */
import Database from 'better-sqlite3';
import { openSqliteLog } from '../../../src/backends/sqlite/index.js';
import { createEvent } from '../../../src/core/envelope.js';
import { sqliteOutbox } from '../../../src/eventstore/outbox-sqlite.js';
import { startOutboxRelay } from '../../../src/eventstore/outbox-relay.js';
import { writeLine } from '../../reliability/write-line.js';

const [, , logPath, appPath, runId, mode] = process.argv;
if (!logPath || !appPath || !runId) throw new Error('usage: crash-relay-child.js <log.db> <app.db> <runId> [drain]');

const log = await openSqliteLog({ path: logPath });
const db = new Database(appPath);
db.pragma('journal_mode = WAL');
db.pragma('busy_timeout = 5000');
db.exec('CREATE TABLE IF NOT EXISTS orders (seq INTEGER PRIMARY KEY AUTOINCREMENT, topic TEXT NOT NULL, ids TEXT NOT NULL)');
const outbox = sqliteOutbox(db);
const relay = startOutboxRelay({ outbox, log, batchSize: 16, pollInterval: 20 });
const insert = db.prepare('INSERT INTO orders (topic, ids) VALUES (?, ?)');
writeLine('READY');

if (mode === 'drain') {
  await relay.flush({ timeout: 120_000 });
  await relay.close();
  await log.close();
  db.close();
  writeLine('DRAINED');
} else {
  for (let i = 0; ; i++) {
    const topic = i % 3 === 0 ? 'payments' : 'orders';
    const events = Array.from({ length: 1 + (i % 4) }, (_, j) => createEvent({ id: `${runId}-${i}-${j}`, type: 'order.placed', data: { i, j } }));
    const fails = i % 7 === 6;
    writeLine(`I ${topic} ${events.map((e) => e.id).join(' ')}`);
    try {
      db.transaction(() => {
        insert.run(topic, JSON.stringify(events.map((e) => e.id)));
        outbox.enqueue(topic, events);
        if (fails) throw new Error('rolled back on purpose');
      })();
    } catch (error) {
      if (!fails) throw error;
      writeLine(`R ${events.map((e) => e.id).join(' ')}`);
    }
    await new Promise((r) => setTimeout(r, 1));
  }
}
