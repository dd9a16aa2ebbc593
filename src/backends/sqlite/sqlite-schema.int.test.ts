import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { SCHEMA_VERSION } from './schema.js';
import { SqliteLog } from './sqlite-log.js';
import { ev, FakeClock, tempDir } from './test-helpers.js';

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
      [ctx.st.keyBlocked.source, [{ topicId: 1, grp: 1, key: 'k', position: 1, now: 1, leaseId: 1 }]],
      [ctx.st.revokeExpired.source, [1, 1, 'k', 1, 1]],
      [ctx.st.keyHeldBeyond.source, [1, 1, 'k', 0]],
    ];
    for (const [sql, params] of args) {
      const plan = db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as Array<{ detail: string }>;
      assert.ok(plan.some((row) => row.detail.includes('inflight_by_held_key')), `${sql}: ${JSON.stringify(plan)}`);
    }
  } finally {
    await log.close();
    tmp.remove();
  }
});
