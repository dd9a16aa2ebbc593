import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { SqliteLog } from '../backends/sqlite/index.js';
import { createEvent } from '../core/envelope.js';
import { defineProjection, on } from './projection.js';
import { startProjection } from './projection-runner.js';
import { sqliteProjectionStore } from './projection-store-sqlite.js';
import type { SqlDatabase } from './sql.js';

const dir = mkdtempSync(join(tmpdir(), 'herald-projection-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const counting = defineProjection<SqlDatabase>({
  name: 'count', version: 1, source: { topics: ['orders'] },
  setup: ({ tx, table }) => tx.exec(`CREATE TABLE ${table('n')} (n INTEGER NOT NULL)`),
  handlers: [on('order.placed', ({ data }, { tx, table }) => { tx.prepare(`INSERT INTO ${table('n')} (n) VALUES (?)`).run((data as { n: number }).n); })],
});

describe('sqlite projections', () => {
  it('follow appends made by another process (another connection) by polling', async () => {
    const path = join(dir, 'log.db');
    const reader = new SqliteLog({ path, durability: 'os' });
    const writer = new SqliteLog({ path, durability: 'os' }); // its appends do not notify `reader`
    const db: SqlDatabase = new Database(join(dir, 'app.db'));
    const runner = startProjection(counting, { log: reader, store: sqliteProjectionStore(db), pollInterval: 30 });
    try {
      await runner.caughtUp();
      await writer.append('orders', [1, 2, 3].map((n) => createEvent({ type: 'order.placed', data: { n } })));
      const deadline = Date.now() + 5_000;
      while ((db.prepare('SELECT count(*) AS c FROM n_v1').get() as { c: number }).c < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      assert.deepEqual(db.prepare('SELECT n FROM n_v1 ORDER BY n').all(), [{ n: 1 }, { n: 2 }, { n: 3 }]);
      assert.deepEqual((await runner.status()).position, { orders: 3 });
    } finally {
      await runner.close();
      await Promise.all([reader.close(), writer.close()]);
    }
  });
});
