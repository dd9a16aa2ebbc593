import { strict as assert } from 'node:assert';
import { openSync, statSync, writeFileSync, writeSync, closeSync } from 'node:fs';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { isHeraldError } from '../../core/errors.js';
import { SqliteLog } from './sqlite-log.js';
import { collect, ev, FakeClock, openTemp, runNode, tempDir } from './test-helpers.js';

const lease = { max: 10, leaseMs: 1000 };

test('everything survives close and reopen: events, groups, pending rows, retention', async () => {
  const tmp = tempDir();
  const clock = new FakeClock();
  try {
    let log = new SqliteLog({ path: tmp.file, clock });
    await log.append('a', [ev({ partitionkey: 'k' }), ev({ partitionkey: 'k' }), ev()]);
    await log.append('b', [ev()]);
    const [d1, , d3] = await log.fetch('a', 'g', lease);
    await log.settle('a', 'g', [{ kind: 'ack', position: 1, leaseId: d1!.leaseId }, { kind: 'nack', position: 3, leaseId: d3!.leaseId, delayMs: 0, error: { message: 'x' } }]);
    await log.setRetention('b', { maxCount: 10 });
    const before = { topics: await log.topics(), groups: await log.groups(), a: await collect(log.read('a')) };
    await log.close();
    log = new SqliteLog({ path: tmp.file, clock });
    assert.deepEqual({ topics: await log.topics(), groups: await log.groups(), a: await collect(log.read('a')) }, before);
    const [retry] = await log.fetch('a', 'g', lease);
    assert.deepEqual([retry!.position, retry!.attempt, retry!.lastError], [3, 2, { message: 'x' }]);
    assert.equal((await log.append('a', [ev()]))[0]!.position, 4);
    await log.close();
  } finally { tmp.remove(); }
});

test('acknowledged appends survive a killed process (no close, WAL never checkpointed)', async () => {
  const tmp = tempDir();
  try {
    const script = `
      import { SqliteLog } from ${JSON.stringify(new URL('./index.js', import.meta.url).href)};
      const log = new SqliteLog({ path: ${JSON.stringify(tmp.file)}, checkpointIntervalMs: 0 });
      const acked = await Promise.all(Array.from({ length: 50 }, (_, i) =>
        log.append('crash', [{ specversion: '1.0', id: 'c' + i, source: 's', type: 't', data: i }])));
      process.stdout.write(JSON.stringify(acked.map((r) => r[0].position)) + '\\n', () => process.kill(process.pid, 'SIGKILL'));
      void log.append('crash', [{ specversion: '1.0', id: 'unacked', source: 's', type: 't' }]);`;
    const out = await runNode(script);
    const acked = JSON.parse(out.trim()) as number[];
    assert.equal(acked.length, 50);
    const log = new SqliteLog({ path: tmp.file });
    const stored = (await collect(log.read('crash'))).map((s) => s.position);
    for (const p of acked) assert.ok(stored.includes(p), `acknowledged position ${p} survived`);
    await log.close();
  } finally { tmp.remove(); }
});

test('a second process can read and write the same file while this one is open', async () => {
  const { log, tmp, done } = openTemp();
  try {
    await log.append('shared', [ev()]);
    const script = `
      import { SqliteLog } from ${JSON.stringify(new URL('./index.js', import.meta.url).href)};
      const log = new SqliteLog({ path: ${JSON.stringify(tmp.file)} });
      let n = 0; for await (const _ of log.read('shared')) n++;
      const r = await Promise.all(Array.from({ length: 100 }, (_, i) => log.append('shared', [{ specversion: '1.0', id: 'p' + i, source: 's', type: 't' }])));
      await log.close();
      console.log(n, r.length);`;
    const [out] = await Promise.all([runNode(script), ...Array.from({ length: 100 }, () => log.append('shared', [ev()]))]);
    assert.equal(out.trim().split(' ')[1], '100');
    const positions = (await collect(log.read('shared'))).map((s) => s.position);
    assert.deepEqual(positions, Array.from({ length: 201 }, (_, i) => i + 1));
    assert.equal((await log.topicInfo('shared'))?.count, 201);
  } finally { await done(); }
});

test('ackWith commits the handler\'s writes and the ack together, and rolls both back on a stale lease or a throw', async () => {
  const { log, clock, done } = openTemp();
  try {
    await log.append('t', [ev(), ev()]);
    const [a, b] = await log.fetch('t', 'g', lease);
    const setup = (await log.fetch('t', 'none', lease))[0]!;
    log.ackWith(setup, (tx) => tx.exec('CREATE TABLE IF NOT EXISTS seen (position INTEGER)'));
    const insert = (p: number) => (tx: Database.Database) => tx.prepare('INSERT INTO seen VALUES (?)').run(p).changes;
    assert.equal(log.ackWith(a!, insert(a!.position)), 1);
    assert.throws(() => log.ackWith(a!, insert(99)), (e: unknown) => isHeraldError(e, 'HERALD_E_STALE_LEASE'));
    assert.throws(() => log.ackWith(b!, (tx) => { insert(b!.position)(tx); throw new Error('handler failed'); }), /handler failed/);
    clock.advance(1001);
    const [again] = await log.fetch('t', 'g', lease);
    assert.equal(again!.position, 2);
    assert.throws(() => log.ackWith(b!, insert(b!.position)), (e: unknown) => isHeraldError(e, 'HERALD_E_STALE_LEASE'));
    const rows = log.ackWith(again!, (tx) => tx.prepare('SELECT position FROM seen ORDER BY position').pluck().all());
    assert.deepEqual(rows, [1]);
    assert.deepEqual((await log.groups('t')).find((g) => g.group === 'g'), { topic: 't', group: 'g', cursor: 3, pending: 0, lag: 0 });
  } finally { await done(); }
});

test('a file that is not a database, or is damaged, is refused with HERALD_E_CORRUPT', async () => {
  const tmp = tempDir();
  try {
    writeFileSync(tmp.file, Buffer.alloc(16_384, 0x5a));
    assert.throws(() => new SqliteLog({ path: tmp.file }), (e: unknown) => isHeraldError(e, 'HERALD_E_CORRUPT'));
    const other = `${tmp.dir}/damaged.db`;
    const log = new SqliteLog({ path: other });
    await log.append('t', Array.from({ length: 2000 }, () => ev({ data: 'x'.repeat(200) })));
    await log.close();
    assert.ok(statSync(other).size > 20 * 4096);
    const fd = openSync(other, 'r+');
    writeSync(fd, Buffer.alloc(3 * 4096, 0xab), 0, 3 * 4096, 5 * 4096);
    closeSync(fd);
    assert.throws(() => new SqliteLog({ path: other }), (e: unknown) => isHeraldError(e, 'HERALD_E_CORRUPT'));
  } finally { tmp.remove(); }
});

test('a file from a newer schema version is refused', async () => {
  const tmp = tempDir();
  try {
    await new SqliteLog({ path: tmp.file }).close();
    const db = new Database(tmp.file);
    db.prepare("UPDATE meta SET value = 99 WHERE key = 'schema_version'").run();
    db.close();
    assert.throws(() => new SqliteLog({ path: tmp.file }), (e: unknown) => isHeraldError(e, 'HERALD_E_UNSUPPORTED'));
  } finally { tmp.remove(); }
});

test('a full disk rejects the append as retryable HERALD_E_STORAGE_FULL and the log keeps working after space is freed', async () => {
  const { log, done } = openTemp();
  try {
    await log.append('t', [ev()]);
    const db = log['engine'].db;
    const pages = db.pragma('page_count', { simple: true }) as number;
    db.pragma(`max_page_count = ${pages}`);
    await assert.rejects(log.append('t', Array.from({ length: 500 }, () => ev({ data: 'x'.repeat(1000) }))), (e: unknown) => isHeraldError(e, 'HERALD_E_STORAGE_FULL') && e.retryable);
    db.pragma('max_page_count = 1073741823');
    assert.equal((await log.append('t', [ev()]))[0]!.position, 2);
  } finally { await done(); }
});

test('a failed sync rejects the waiting appends with HERALD_E_STORAGE_IO and stops all writes (fail-stop); reads go on', async () => {
  const { log, done } = openTemp();
  try {
    await log.append('t', [ev()]);
    const sync = log['engine'].sync as unknown as { sync: () => Promise<void> };
    sync.sync = () => Promise.reject(Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' }));
    await assert.rejects(log.append('t', [ev()]), (e: unknown) => isHeraldError(e, 'HERALD_E_STORAGE_IO'));
    await assert.rejects(log.append('t', [ev()]), (e: unknown) => isHeraldError(e, 'HERALD_E_STORAGE_IO'));
    await assert.rejects(log.fetch('t', 'g', lease), (e: unknown) => isHeraldError(e, 'HERALD_E_STORAGE_IO'));
    assert.equal((await collect(log.read('t'))).length, 2);
  } finally { await done(); }
});

test('checkpoints run on the worker: on demand, and on their own (RESTART under load, TRUNCATE when idle)', async () => {
  const { log, tmp, done } = openTemp({ truncateBytes: 64 * 1024, checkpointBytes: 1, checkpointIntervalMs: 50 });
  const wal = (): number => statSync(`${tmp.file}-wal`).size;
  try {
    await log.append('t', Array.from({ length: 2000 }, () => ev({ data: 'x'.repeat(256) })));
    assert.ok(wal() > 500_000, `WAL has ${wal()} bytes`);
    const deadline = Date.now() + 5000;
    while (wal() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.equal(wal(), 0, 'idle: the WAL was checkpointed and truncated');
    await log.append('t', [ev()]);
    const passive = await log.checkpoint('PASSIVE');
    assert.equal(passive.log, passive.checkpointed);
    await log.append('t', [ev()]);
    const result = await log.checkpoint('TRUNCATE');
    assert.deepEqual([result.busy, result.log, wal()], [0, 0, 0]);
    assert.equal((await collect(log.read('t'))).length, 2002);
  } finally { await done(); }
});
