/** What only the sqlite streams must prove: group commit, one transaction, the sync wait, old files, crashes. */
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { collect, ev, openTemp, runNode, tempDir } from './test-helpers.js';
import { SqliteLog } from './sqlite-log.js';

const tick = (ms = 0): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

test('stream appends made in one turn commit in one transaction, with plain appends, and each resolves with its own result', async () => {
  const { log, done } = openTemp();
  try {
    await log.append('warm', [ev()]);
    const sync = log['engine'].sync;
    const before = sync.latest;
    const results = await Promise.all([
      ...Array.from({ length: 40 }, (_, i) => log.streams.appendToStream(`cart-${i}`, [ev(), ev()], { expectedRevision: 'no_stream' })),
      log.append('plain', [ev()]),
    ]);
    assert.equal(sync.latest - before, 1, 'one commit for the whole batch');
    assert.equal(results.length, 41);
    assert.equal(await log.streams.headPosition(), 80);
  } finally { await done(); }
});

test('a stream append resolves only after the sync that covers its commit', async () => {
  const { log, done } = openTemp();
  try {
    await log.streams.appendToStream('s-1', [ev()]);
    const scheduler = log['engine'].sync as unknown as { sync: () => Promise<void> };
    const real = scheduler.sync;
    const held: Array<() => void> = [];
    scheduler.sync = () => new Promise<void>((resolve, reject) => { held.push(() => { real().then(resolve, reject); }); });
    let resolved = false;
    const appending = log.streams.appendToStream('s-1', [ev()], { expectedRevision: 1 }).then((r) => { resolved = true; return r; });
    await tick(30);
    assert.equal((await log.streams.streamInfo('s-1'))?.revision, 2, 'committed');
    assert.equal(resolved, false, 'but not acknowledged before its sync');
    scheduler.sync = real;
    held.forEach((release) => release());
    assert.equal((await appending).revision, 2);
  } finally { await done(); }
});

test('the revision check, the topic rows and the stream index are one transaction: a failure leaves none of them', async () => {
  const { log, done } = openTemp();
  try {
    await log.streams.appendToStream('t-1', [ev(), ev()]);
    log['engine'].db.exec("CREATE TRIGGER refuse BEFORE INSERT ON stream_events WHEN NEW.revision = 3 BEGIN SELECT RAISE(ABORT, 'refused by test'); END");
    const [failed, plain] = await Promise.allSettled([log.streams.appendToStream('t-1', [ev()], { expectedRevision: 2 }), log.append('t', [ev()])]);
    assert.equal(failed.status, 'rejected');
    assert.match(String((failed).reason), /refused by test/);
    assert.equal(plain.status, 'fulfilled', 'a request failing inside the batch fails alone');
    assert.equal((await log.streams.streamInfo('t-1'))?.revision, 2);
    assert.deepEqual((await collect(log.read('t'))).length, 3, 'two stream events and the plain one: the failed event is not on the topic');
    assert.equal(await log.streams.headPosition(), 2);
    log['engine'].db.exec('DROP TRIGGER refuse');
    assert.equal((await log.streams.appendToStream('t-1', [ev()], { expectedRevision: 2 })).globalPosition, 3);
  } finally { await done(); }
});

test('a file written before streams existed opens, keeps its topics and gains streams', async () => {
  const tmp = tempDir();
  try {
    let log = new SqliteLog({ path: tmp.file });
    await log.append('old', [ev(), ev()]);
    await log.close();
    const db = new Database(tmp.file);
    db.exec('DROP TABLE stream_events; DROP TABLE streams; DROP TABLE snapshots;');
    db.close();
    log = new SqliteLog({ path: tmp.file });
    assert.equal((await collect(log.read('old'))).length, 2);
    const r = await log.streams.appendToStream('old-1', [ev()]);
    assert.deepEqual([r.revision, r.globalPosition, r.receipts[0]!.position], [1, 1, 3]);
    await log.close();
  } finally { tmp.remove(); }
});

test('a stream keeps the topic it was created on when the log is reopened with another streamTopic', async () => {
  const tmp = tempDir();
  try {
    let log = new SqliteLog({ path: tmp.file, streamTopic: () => 'first' });
    await log.streams.appendToStream('order-1', [ev()]);
    await log.close();
    log = new SqliteLog({ path: tmp.file });
    const r = await log.streams.appendToStream('order-1', [ev()]);
    assert.deepEqual(r.receipts.map((x) => [x.topic, x.position]), [['first', 2]]);
    assert.equal((await log.streams.appendToStream('order-2', [ev()])).receipts[0]!.topic, 'order');
    await log.close();
  } finally { tmp.remove(); }
});

test('acknowledged stream appends survive a killed process', async () => {
  const tmp = tempDir();
  try {
    const script = `
      import { SqliteLog } from ${JSON.stringify(new URL('./index.js', import.meta.url).href)};
      const log = new SqliteLog({ path: ${JSON.stringify(tmp.file)}, checkpointIntervalMs: 0 });
      const ev = (i) => ({ specversion: '1.0', id: 'k' + i, source: 's', type: 't', data: i });
      const acked = [];
      await Promise.all(Array.from({ length: 10 }, async (_, s) => {
        for (let k = 0; k < 5; k++) acked.push([s, (await log.streams.appendToStream('crash-' + s, [ev(s * 10 + k)], { expectedRevision: k })).revision]);
      }));
      process.stdout.write(JSON.stringify(acked) + '\\n', () => process.kill(process.pid, 'SIGKILL'));
      void log.streams.appendToStream('crash-0', [ev(999)]);`;
    const acked = JSON.parse((await runNode(script)).trim()) as Array<[number, number]>;
    assert.equal(acked.length, 50);
    const log = new SqliteLog({ path: tmp.file });
    try {
      for (const [s, revision] of acked) {
        const [found] = await collect(log.streams.readStream(`crash-${s}`, { fromRevision: revision, limit: 1 }));
        assert.equal(found?.event.data, s * 10 + revision - 1, `crash-${s}@${revision}`);
      }
      const all = await collect(log.streams.readAll());
      assert.deepEqual(all.map((e) => e.globalPosition), all.map((_, i) => i + 1), '$all has no gap after the crash');
    } finally { await log.close(); }
  } finally { tmp.remove(); }
});
