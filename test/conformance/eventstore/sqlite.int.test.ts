/** The event-store conformance suite on sqlite: a SqliteLog file, and an application database holding read models, outbox and inbox. */
import { after } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SqliteLog } from '../../../src/backends/sqlite/index.js';
import { sqliteInbox } from '../../../src/eventstore/inbox-sqlite.js';
import { sqliteOutbox } from '../../../src/eventstore/outbox-sqlite.js';
import { sqliteProjectionStore } from '../../../src/eventstore/projection-store-sqlite.js';
import type { SqlDatabase } from '../../../src/eventstore/sql.js';
import type { CounterModel, EventStoreFixture } from './helpers.js';
import { runEventStoreConformance } from './index.js';

const dir = mkdtempSync(join(tmpdir(), 'herald-eventstore-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let count = 0;

/** An application database as the docs recommend: WAL, a busy timeout. */
export function openAppDb(path: string): Database.Database {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 5000');
  return db;
}

function sqliteFixture(n: number): EventStoreFixture<SqlDatabase> {
  const log = new SqliteLog({ path: join(dir, `log-${n}.db`), durability: 'os' });
  const db = openAppDb(join(dir, `app-${n}.db`));
  db.exec('CREATE TABLE IF NOT EXISTS business (id TEXT PRIMARY KEY)');
  const outbox = sqliteOutbox(db);
  const exists = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?");
  const model: CounterModel<SqlDatabase> = {
    create: (tx, table) => { tx.exec(`CREATE TABLE ${table} (k TEXT PRIMARY KEY, n INTEGER NOT NULL)`); },
    drop: (tx, table) => { tx.exec(`DROP TABLE IF EXISTS ${table}`); },
    add: (tx, table, key, by) => { tx.prepare(`INSERT INTO ${table} (k, n) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET n = n + excluded.n`).run(key, by); },
    read: (table) => exists.get(table) === undefined ? undefined
      : Object.fromEntries((db.prepare(`SELECT k, n FROM ${table} ORDER BY k`).all() as { k: string; n: number }[]).map((r) => [r.k, r.n])),
  };
  const insert = db.prepare('INSERT INTO business (id) VALUES (?)');
  return {
    log, store: sqliteProjectionStore(db), model, outbox, inbox: sqliteInbox(db),
    commitBusiness(id, topic, events, fail = false) {
      db.transaction(() => {
        insert.run(id);
        outbox.enqueue(topic, events);
        if (fail) throw new Error(`business rule rejected ${id}`);
      })();
    },
    businessRows: () => (db.prepare('SELECT id FROM business ORDER BY rowid').all() as { id: string }[]).map((r) => r.id),
    async close() {
      await log.close();
      db.close();
    },
  };
}

runEventStoreConformance<SqlDatabase>({
  name: 'sqlite',
  open: async () => sqliteFixture(++count),
  reopen: async () => sqliteFixture(count),
});
