/**
 * Lease runs (lease-runs.ts): the keyless new deliveries of one fetch are one `lease_runs` row, not
 * one `inflight` row each. These tests pin the storage form (so the optimisation cannot silently
 * vanish) and the behaviours that move a member out of its run; the differential and conformance
 * suites check that every answer stays MemoryLog's.
 */
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import type Database from 'better-sqlite3';
import { isHeraldError } from '../../core/errors.js';
import type { SqliteLog } from './sqlite-log.js';
import { ev, openTemp } from './test-helpers.js';

const lease = { max: 10, leaseMs: 1000 };

function db(log: SqliteLog): Database.Database {
  return log['engine'].db;
}

function rows(log: SqliteLog): { runs: number; inflight: number } {
  const count = (table: string): number => db(log).prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;
  return { runs: count('lease_runs'), inflight: count('inflight') };
}

const ack = (d: { position: number; leaseId: number }): { kind: 'ack'; position: number; leaseId: number } => ({ kind: 'ack', position: d.position, leaseId: d.leaseId });

test('a fetch of keyless events writes one run and no inflight rows; acks empty it, then it goes', async () => {
  const { log, done } = openTemp();
  try {
    await log.append('t', [ev(), ev(), ev(), ev()]);
    const got = await log.fetch('t', 'g', lease);
    assert.deepEqual(got.map((d) => d.position), [1, 2, 3, 4]);
    assert.deepEqual(rows(log), { runs: 1, inflight: 0 });
    assert.deepEqual(await log.settle('t', 'g', [ack(got[1]!), ack(got[3]!), ack(got[3]!)]), ['ok', 'ok', 'stale']);
    assert.equal((await log.groups('t'))[0]!.pending, 2);
    assert.deepEqual(await log.settle('t', 'g', [ack(got[0]!), ack(got[2]!)]), ['ok', 'ok']);
    assert.deepEqual(rows(log), { runs: 0, inflight: 0 });
    assert.equal((await log.groups('t'))[0]!.pending, 0);
  } finally { await done(); }
});

test('keyed events of the same fetch get rows beside the run; both kinds settle', async () => {
  const { log, done } = openTemp();
  try {
    await log.append('t', [ev(), ev({ partitionkey: 'k' }), ev()]);
    const got = await log.fetch('t', 'g', lease);
    assert.deepEqual(rows(log), { runs: 1, inflight: 1 });
    assert.deepEqual(await log.settle('t', 'g', got.map(ack)), ['ok', 'ok', 'ok']);
    assert.deepEqual(rows(log), { runs: 0, inflight: 0 });
  } finally { await done(); }
});

test('an expired run is redelivered member by member, without the acked ones; the old lease is fenced', async () => {
  const { log, clock, done } = openTemp();
  try {
    await log.append('t', [ev(), ev(), ev()]);
    const first = await log.fetch('t', 'g', lease);
    await log.settle('t', 'g', [ack(first[1]!)]);
    clock.advance(1001);
    const again = await log.fetch('t', 'g', lease);
    assert.deepEqual(again.map((d) => [d.position, d.attempt]), [[1, 2], [3, 2]]);
    assert.deepEqual(rows(log), { runs: 0, inflight: 2 });
    assert.deepEqual(await log.settle('t', 'g', [ack(first[0]!), ack(again[1]!)]), ['stale', 'ok']);
  } finally { await done(); }
});

test('nack, release and extend move one member into a row of its own, with the state MemoryLog gives it', async () => {
  const { log, clock, done } = openTemp();
  try {
    await log.append('t', [ev(), ev(), ev(), ev()]);
    const [a, b, c, d] = await log.fetch('t', 'g', lease);
    assert.deepEqual(await log.settle('t', 'g', [
      { kind: 'nack', position: a!.position, leaseId: a!.leaseId, delayMs: 5000, error: { message: 'boom' } },
      { kind: 'release', position: b!.position, leaseId: b!.leaseId },
      { kind: 'extend', position: c!.position, leaseId: c!.leaseId, leaseMs: 60_000 },
      { kind: 'release', position: b!.position, leaseId: b!.leaseId },
    ]), ['ok', 'ok', 'ok', 'stale']);
    assert.deepEqual(rows(log), { runs: 1, inflight: 3 }); // d is still in the run
    const now = await log.fetch('t', 'g', lease);
    assert.deepEqual(now.map((x) => [x.position, x.attempt]), [[2, 1]]); // released: no attempt counted
    clock.advance(5000);
    const later = await log.fetch('t', 'g', lease);
    assert.deepEqual(later.map((x) => [x.position, x.attempt]), [[1, 2], [2, 2], [4, 2]]); // c is extended
    assert.deepEqual(later[0]!.lastError, { message: 'boom' });
    assert.deepEqual(await log.settle('t', 'g', [ack(c!), ack(d!)]), ['ok', 'stale']);
  } finally { await done(); }
});

test('ackWith acks a run member once, in the handler\'s transaction', async () => {
  const { log, done } = openTemp();
  try {
    db(log).exec('CREATE TABLE effects (id TEXT)');
    await log.append('t', [ev(), ev()]);
    const [a] = await log.fetch('t', 'g', lease);
    log.ackWith(a!, (tx) => tx.prepare('INSERT INTO effects VALUES (?)').run(a!.event.id));
    assert.throws(() => log.ackWith(a!, () => undefined), (e: unknown) => isHeraldError(e, 'HERALD_E_STALE_LEASE'));
    assert.throws(() => log.ackWith(a!, () => { throw new Error('not run'); }), (e: unknown) => isHeraldError(e, 'HERALD_E_STALE_LEASE'));
    assert.equal(db(log).prepare('SELECT count(*) FROM effects').pluck().get(), 1);
    assert.equal((await log.groups('t'))[0]!.pending, 1);
  } finally { await done(); }
});

test('requeue of a run member replaces it; retention keeps members\' events; reset and deleteGroup forget runs', async () => {
  const { log, done } = openTemp();
  try {
    await log.append('t', [ev(), ev(), ev()]);
    const [a] = await log.fetch('t', 'g', lease);
    await log.requeue('t', 'g', { ...a!.event, data: 'edited' }, a!.position);
    const redriven = await log.fetch('t', 'g', lease);
    assert.deepEqual(redriven.map((d) => [d.position, d.event.data]), [[1, 'edited']]);
    assert.equal((await log.groups('t'))[0]!.pending, 3);
    await log.setRetention('t', { maxCount: 1 });
    assert.equal(await log.applyRetention(), 1); // 1 goes (its row carries the requeued body); 2 is a pending member
    await log.fetch('t', 'h', lease);
    await log.resetGroup('t', 'h', 'latest');
    await log.deleteGroup('t', 'g');
    assert.deepEqual(rows(log), { runs: 0, inflight: 0 });
  } finally { await done(); }
});

test('a deleted group or topic takes its runs with it (group ids may be reused)', async () => {
  const { log, done } = openTemp();
  try {
    await log.append('t', [ev(), ev()]);
    await log.append('u', [ev()]);
    await log.fetch('t', 'g', lease);
    await log.fetch('u', 'g', lease);
    assert.equal(rows(log).runs, 2);
    await log.deleteGroup('u', 'g');
    assert.equal(rows(log).runs, 1);
    assert.equal(await log.deleteTopic('t'), true);
    assert.deepEqual(rows(log), { runs: 0, inflight: 0 });
  } finally { await done(); }
});
