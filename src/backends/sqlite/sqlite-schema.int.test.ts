import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { SCHEMA_VERSION } from './schema.js';
import { SqliteLog } from './sqlite-log.js';
import { collect, ev, FakeClock, tempDir } from './test-helpers.js';

/** Turns a file this version wrote into what version 1 wrote: no lease runs, the full key index. */
function downgradeToVersion1(path: string): void {
  const db = new Database(path);
  db.exec(`DROP TABLE lease_runs;
    DROP INDEX inflight_by_held_key;
    CREATE INDEX inflight_by_key ON inflight (topic_id, grp, key, position);
    UPDATE meta SET value = 1 WHERE key = 'schema_version';`);
  db.close();
}

function schemaObjects(path: string): string[] {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare("SELECT name FROM sqlite_master WHERE name IN ('lease_runs', 'inflight_by_key', 'inflight_by_held_key') ORDER BY name").pluck().all() as string[];
  } finally { db.close(); }
}

test('a version-1 file opens, is migrated to the current version, and its pending rows still settle and redeliver', async () => {
  const tmp = tempDir();
  const clock = new FakeClock();
  try {
    const first = new SqliteLog({ path: tmp.file, clock });
    await first.append('t', [ev(), ev(), ev({ partitionkey: 'k' })]);
    await first.fetch('t', 'g', { max: 1, leaseMs: 1000 }); // creates the group
    await first.resetGroup('t', 'g', 'earliest');
    await first.close();
    downgradeToVersion1(tmp.file);
    // What version 1 wrote for a fetch of three events: one inflight row per delivery.
    const raw = new Database(tmp.file);
    const put = raw.prepare(`INSERT INTO inflight (topic_id, grp, position, key, attempt, lease_id, visible_at)
      SELECT t.id, g.id, ?, ?, 1, 7, ? FROM topics t JOIN groups g ON g.topic_id = t.id WHERE t.name = 't' AND g.name = 'g'`);
    for (const [position, key] of [[1, null], [2, null], [3, 'k']] as const) put.run(position, key, clock.t + 1000);
    raw.prepare("UPDATE groups SET cursor = 4 WHERE name = 'g'").run();
    raw.close();
    assert.deepEqual(schemaObjects(tmp.file), ['inflight_by_key']);

    const log = new SqliteLog({ path: tmp.file, clock });
    try {
      assert.deepEqual(schemaObjects(tmp.file), ['inflight_by_held_key', 'lease_runs']);
      assert.equal(log['engine'].db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").pluck().get(), SCHEMA_VERSION);
      assert.equal((await log.groups('t'))[0]!.pending, 3);
      assert.deepEqual(await log.settle('t', 'g', [{ kind: 'ack', position: 1, leaseId: 7 }, { kind: 'ack', position: 1, leaseId: 7 }]), ['ok', 'stale']);
      clock.advance(1001);
      const again = await log.fetch('t', 'g', { max: 10, leaseMs: 1000 });
      assert.deepEqual(again.map((d) => [d.position, d.attempt]), [[2, 2], [3, 2]]);
    } finally { await log.close(); }
  } finally { tmp.remove(); }
});

test('the per-key queries use the key index (left alone, the planner scans the whole group)', async () => {
  const tmp = tempDir();
  const log = new SqliteLog({ path: tmp.file });
  try {
    const { db, ctx } = log['engine'];
    const args: Array<[string, unknown[]]> = [
      [ctx.st.revokeExpired.source, [1, 1, 'k', 1, 1]],
      [ctx.st.keyHeldBeyond.source, [1, 1, 'k', 0]],
    ];
    for (const [sql, params] of args) {
      const plan = db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as Array<{ detail: string }>;
      assert.ok(plan.some((row) => row.detail.includes('inflight_by_held_key')), `${sql}: ${JSON.stringify(plan)}`);
    }
    // The one pass over a group's rows reads them in primary-key order, not through the key index.
    const busy = db.prepare(`EXPLAIN QUERY PLAN ${ctx.st.busyKeys.source}`).all(1, 1, 1) as Array<{ detail: string }>;
    assert.ok(busy.some((row) => row.detail.includes('PRIMARY KEY')) && !busy.some((row) => row.detail.includes('inflight_by_held_key')), JSON.stringify(busy));
  } finally {
    await log.close();
    tmp.remove();
  }
});

test('a version-2 file is upgraded in place to checksummed events: its old rows stay readable (unverified), new rows are verified', async () => {
  const tmp = tempDir();
  try {
    const first = new SqliteLog({ path: tmp.file });
    await first.append('t', [ev({ id: 'old-1' }), ev({ id: 'old-2' })]);
    await first.close();
    // What version 2 wrote: no crc column.
    const raw = new Database(tmp.file);
    raw.exec("ALTER TABLE events DROP COLUMN crc; UPDATE meta SET value = 2 WHERE key = 'schema_version';");
    raw.close();

    const log = new SqliteLog({ path: tmp.file });
    try {
      const db = log['engine'].db;
      assert.equal(db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").pluck().get(), SCHEMA_VERSION);
      await log.append('t', [ev({ id: 'new-1' })]);
      assert.deepEqual(db.prepare('SELECT id, crc IS NOT NULL AS checked FROM events ORDER BY position').raw().all(), [['old-1', 0], ['old-2', 0], ['new-1', 1]]);
      assert.deepEqual((await collect(log.read('t'))).map((s) => s.event.id), ['old-1', 'old-2', 'new-1']);
      // The limit of the upgrade: an old row has nothing to be checked against; a new one does.
      db.prepare("UPDATE events SET body = replace(body, '\"old-2\"', '\"old-X\"') WHERE id = 'old-2'").run();
      assert.deepEqual((await collect(log.read('t'))).map((s) => s.event.id), ['old-1', 'old-X', 'new-1']);
      db.prepare("UPDATE events SET body = replace(body, '\"new-1\"', '\"new-X\"') WHERE id = 'new-1'").run();
      await assert.rejects(collect(log.read('t')), (error: unknown) => (error as { code?: string }).code === 'HERALD_E_CORRUPT');
    } finally { await log.close(); }
  } finally { tmp.remove(); }
});

test('a damaged schema (a column no longer the rowid alias) is refused at open with HERALD_E_CORRUPT, not served', async () => {
  const tmp = tempDir();
  try {
    const first = new SqliteLog({ path: tmp.file });
    await first.append('t', [ev()]);
    await first.close();
    const raw = new Database(tmp.file);
    raw.unsafeMode(true); // lets writable_schema through (better-sqlite3 runs in defensive mode)
    raw.pragma('writable_schema = ON');
    raw.prepare("UPDATE sqlite_master SET sql = replace(sql, 'id INTEGER PRIMARY KEY', 'id INTEGER') WHERE name = 'groups'").run();
    raw.close();
    assert.throws(() => new SqliteLog({ path: tmp.file }), (error: unknown) => {
      assert.equal((error as { code?: string }).code, 'HERALD_E_CORRUPT', String(error));
      assert.match(String(error), /table groups does not have the shape/);
      return true;
    });
  } finally { tmp.remove(); }
});
