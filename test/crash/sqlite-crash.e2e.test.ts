import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openSqliteLog } from '../../src/backends/sqlite/index.js';
import { check, describeResult, History, type Op, type Seen } from '../reliability/history.js';
import { runProcess } from '../reliability/run-process.js';
import { seededRandom, seedFromEnv } from './random.js';

const CYCLES = Number(process.env.HERALD_CRASH_CYCLES ?? 30);
const MAX_IN_FLIGHT = 64;
const child = join(import.meta.dirname, 'child.js');

/** Runs the child until `killAfterMs` (SIGKILL) or until it exits by itself; returns its stdout lines. */
function runChild(db: string, runId: string, killAfterMs?: number, mode?: string): Promise<string[]> {
  return runProcess(process.execPath, [child, db, runId, ...(mode ? [mode] : [])], killAfterMs === undefined ? {} : { killAfterMs }).then(({ code, signal, out, err }) => {
    if (signal !== 'SIGKILL' && code !== 0) throw new Error(`child exited ${code}: ${err}`);
    return out.split('\n').filter((l) => l.length > 0);
  });
}

/**
 * What earlier checks verified, so a check can read only what was appended since. With
 * HERALD_CRASH_FULL_EVERY=n (the soak: 1,000 kills) only every n-th kill and the end run the
 * full check (integrity_check, the whole log re-read against every append of every run): re-reading
 * everything after each kill makes a long run quadratic. Default 1: every check is full, as in CI.
 * A partial check re-reads from the last verified event, so the gap check spans the junction.
 */
const FULL_EVERY = Math.max(1, Number(process.env.HERALD_CRASH_FULL_EVERY ?? 1));
interface Verified { position: number; lastSeq: Map<string, number> }

/** Reads the log from `from` as a history read; checks each producer's batches landed whole and in order. */
async function readLog(db: string, from: number, verified: Verified): Promise<{ read: Op; count: number; recoveryMs: number }> {
  const started = performance.now();
  const log = await openSqliteLog({ path: db });
  const recoveryMs = performance.now() - started;
  const seen: Seen[] = [];
  const lastSeq = from === 1 ? new Map<string, number>() : verified.lastSeq; // per run and producer
  for await (const stored of log.read('crash', from === 1 ? undefined : { from: { position: from } })) {
    if (seen.length === 0) assert.equal(stored.position, from, `the read starts at position ${from}`);
    seen.push({ position: stored.position, id: stored.event.id, key: stored.event.partitionkey as string });
    if (stored.position <= verified.position && from !== 1) continue; // the junction event, verified before
    const { p, seq } = stored.event.data as { p: number; seq: number };
    const producer = `${stored.event.id.split('-')[0]}-${p}`;
    assert.equal(seq, (lastSeq.get(producer) ?? -1) + 1, `producer ${producer}: seq ${seq} out of order or after a hole (a batch not atomic)`);
    lastSeq.set(producer, seq);
  }
  await log.close();
  Object.assign(verified, { position: seen.at(-1)?.position ?? verified.position, lastSeq });
  const reads = new History();
  reads.read('crash', seen);
  return { read: reads.ops[0]!, count: seen.length, recoveryMs };
}

/** The history of the appends (`window`: this run's, or every run's on a full check) against a read of the log. */
async function checkLog(db: string, window: readonly Op[], verified: Verified, full: boolean, seed: number): Promise<{ count: number; recoveryMs: number; read?: Op }> {
  // A kill during the first child's start-up (a slow, loaded machine) can come before the file exists.
  if (!existsSync(db)) {
    assert.deepEqual(window.filter((op) => op.type === 'ok'), [], 'events were acknowledged but the database file does not exist');
    return { count: 0, recoveryMs: 0 };
  }
  if (full) {
    const raw = new Database(db, { readonly: true });
    assert.equal(raw.pragma('integrity_check', { simple: true }), 'ok', 'SQLite integrity check');
    raw.close();
  }
  const { read, count, recoveryMs } = await readLog(db, full ? 1 : Math.max(1, verified.position), verified);
  const result = check([...window, read], { contiguous: true });
  assert.deepEqual(result.anomalies, [], `seed ${seed}: ${describeResult(result)}`);
  return { count, recoveryMs, read };
}

/** Adds a run's lines to the history: I invokes a batch, A acks one append, H is an at-least-once delivery. */
function record(lines: readonly string[], runId: string, appends: History, groups: History): void {
  for (const line of lines) {
    const [kind, a, b, c, d] = line.split(' ');
    if (kind === 'I') for (let i = 0; i < Number(c); i++) appends.invoke(runId, 'crash', `producer-${a}`, `${runId}-${a}-${Number(b) + i}`);
    else if (kind === 'A') appends.ok(c!, Number(d));
    else if (kind === 'H') groups.deliver('crash', 'alo', { id: a!, position: Number(b), key: `producer-${a!.split('-')[1]}` });
  }
  appends.infoAllOpen(); // in flight at the SIGKILL: unknown outcome
}

// 20 min covers CI's 30 cycles; the soak's 1,000 need more.
test(`embedded log survives ${CYCLES} SIGKILLs during publishing and consuming`, { timeout: Math.max(20 * 60_000, CYCLES * 10_000) }, async () => {
  const seed = seedFromEnv();
  console.log(`crash test seed ${seed} (replay with HERALD_SEED=${seed})`);
  const random = seededRandom(seed);
  const dir = mkdtempSync(join(tmpdir(), 'herald-crash-'));
  const db = join(dir, 'herald.db');
  const appends = new History(); // every append of every run: invoke, then ok or (killed) info
  const groups = new History(); // the at-least-once group's deliveries (H lines), in handling order
  let maxRecoveryMs = 0;
  try {
    const verified: Verified = { position: 0, lastSeq: new Map() };
    for (let cycle = 1; cycle <= CYCLES; cycle++) {
      const lines = await runChild(db, `r${cycle}`, 250 + Math.floor(random() * 1_250));
      const from = appends.ops.length;
      record(lines, `r${cycle}`, appends, groups);
      const full = cycle % FULL_EVERY === 0 || cycle === CYCLES;
      const { recoveryMs } = await checkLog(db, full ? appends.ops : appends.ops.slice(from), verified, full, seed);
      maxRecoveryMs = Math.max(maxRecoveryMs, recoveryMs);
    }
    const lines = await runChild(db, 'drain', undefined, 'drain');
    assert.equal(lines.at(-1), 'DRAINED');
    record(lines, 'drain', appends, groups);
    const { count, read } = await checkLog(db, appends.ops, verified, true, seed);

    // The whole history: every append, the full read, and both groups' deliveries after the drain.
    const raw = new Database(db, { readonly: true });
    const effects = raw.prepare('SELECT id, position, key FROM effects ORDER BY rowid').all() as Seen[];
    raw.close();
    for (const e of effects) groups.deliver('crash', 'exo', e);
    const result = check([...appends.ops, ...(read ? [read] : []), ...groups.ops], { contiguous: true, exactlyOnceGroups: ['exo'] });
    assert.deepEqual(result.anomalies, [], `seed ${seed}: ${describeResult(result)}`);
    assert.ok(result.counts.acked > 0, 'the children were killed while appending (some appends acked)');
    const handled = new Map<string, number>();
    for (const op of groups.ops) if (op.f === 'deliver' && op.group === 'alo') handled.set(op.id, (handled.get(op.id) ?? 0) + 1);
    assert.equal(new Set(effects.map((e) => e.id)).size, count, 'the transactional group took effect for every stored event');
    assert.equal(effects.length, count, 'exactly once: no effect applied twice');
    let redelivered = 0;
    for (const n of handled.values()) redelivered += n - 1;
    assert.equal(handled.size, count, 'the at-least-once group handled every stored event');
    assert.ok(redelivered <= CYCLES * MAX_IN_FLIGHT, `redeliveries ${redelivered} exceed kills × maxInFlight`);
    console.log(`crash test: ${CYCLES} kills (full check every ${FULL_EVERY}), ${count} events stored, ${result.counts.acked} acked appends checked, ` +
      `${redelivered} redeliveries (bound ${CYCLES * MAX_IN_FLIGHT}), max reopen ${maxRecoveryMs.toFixed(1)} ms`);
    console.log(`crash test history: ${result.counts.unknown} appends in flight at a kill (info), ${groups.ops.length} group deliveries; checker ${describeResult(result)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
