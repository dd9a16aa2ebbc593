import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { openSqliteLog } from '../../src/backends/sqlite/index.js';
import { createEvent } from '../../src/core/envelope.js';
import { seededRandom, seedFromEnv } from '../crash/random.js';
import { check, describeResult, History, type Seen } from './history.js';
import { runProcess } from './run-process.js';

// R6: fsync EIO through the file port, injected with strace into a child that appends. After a
// failed sync the page cache cannot be trusted (PostgreSQL's "fsyncgate"), so herald fails stop:
// the appends waiting on that sync reject with HERALD_E_STORAGE_IO, every later write is refused
// with it until the log is reopened, reads go on, and the close does not checkpoint (the WAL
// stays for recovery). Then a reopen without strace must hold every acked event.
const APPENDS = Number(process.env.HERALD_R6_EIO_APPENDS ?? 400);
const WINDOW = Number(process.env.HERALD_R6_EIO_WINDOW ?? 4);
const AFTER = Number(process.env.HERALD_R6_EIO_AFTER ?? 20);
const MAX_WHEN = Number(process.env.HERALD_R6_EIO_MAX_WHEN ?? 20);
const child = join(import.meta.dirname, 'eio-child.js');
const EIO_TOPIC = 'eio';

interface Run { history: History; firstFailure: number; refused: string[]; walBytes: number; lines: number }

/** Runs the child under `strace` with `inject`; builds the history from its report. */
function runTraced(db: string, mode: 'wal' | 'checkpoint', straceArgs: string[]): Promise<Run> {
  const args = ['-f', '--seccomp-bpf', '-o', '/dev/null', ...straceArgs, process.execPath, child, db, EIO_TOPIC, String(APPENDS), String(WINDOW), String(AFTER), mode];
  return runProcess('strace', args).then(({ code, out, err }) => {
    if (code !== 0 || !out.includes('DONE')) throw new Error(`strace/child exited ${code}: ${err.slice(-2000)}`);
    const history = new History();
    const read: Seen[] = [];
    const refused: string[] = [];
    let firstFailure = -1;
    const lines = out.trim().split('\n');
    lines.forEach((line, at) => {
      const [kind, a, b, c] = line.split(' ');
      if (kind === 'I') history.invoke('child', EIO_TOPIC, `k${Number(a!.slice(1)) % 4}`, a!);
      else if (kind === 'O') history.ok(a!, Number(b));
      else if (kind === 'F') {
        assert.equal(b, 'HERALD_E_STORAGE_IO', `append ${a} failed with ${b}`);
        if (firstFailure < 0) firstFailure = at;
        // In flight when the sync failed: written, maybe durable, unknown. Invoked after: refused unwritten.
        const invokedAt = lines.indexOf(`I ${a}`);
        if (invokedAt > firstFailure) { history.fail(a!); refused.push(a!); } else history.info(a!);
      } else if (kind === 'R') read.push({ position: Number(a), id: b!, key: c! });
    });
    history.read(EIO_TOPIC, read);
    return { history, firstFailure, refused, walBytes: existsSync(`${db}-wal`) ? statSync(`${db}-wal`).size : 0, lines: lines.length };
  });
}

/** Reopens without strace: reads everything into the history, then checks a write goes through again. */
async function reopenAndCheck(db: string, run: Run, label: string): Promise<void> {
  const log = await openSqliteLog({ path: db });
  const seen: Seen[] = [];
  for await (const s of log.read(EIO_TOPIC)) seen.push({ position: s.position, id: s.event.id, key: String(s.event.partitionkey) });
  run.history.read(EIO_TOPIC, seen);
  const [receipt] = await log.append(EIO_TOPIC, [createEvent({ id: 'after-reopen', type: 'eio.tick', data: {} })]);
  await log.close();
  const result = check(run.history.ops, { contiguous: true });
  console.log(`R6 EIO ${label}: ${JSON.stringify(result.counts)}; ${run.refused.length} refused after the failure; WAL kept at close: ${run.walBytes} bytes; ${seen.length} events after reopen`);
  assert.deepEqual(result.anomalies, [], `${label}: ${describeResult(result)}`);
  assert.equal(receipt!.position, (seen.at(-1)?.position ?? 0) + 1, 'the reopened log takes writes again, after what it holds');
}

const skip = spawnSync('strace', ['-V']).status === 0 ? undefined : 'strace is not installed (apt-get install -y strace)';
if (skip) console.log(`R6 EIO skipped: ${skip}`);

describe('R6: fsync EIO → fail-stop', { timeout: 5 * 60_000, skip }, () => {
  const seed = seedFromEnv();
  const random = seededRandom(seed);
  console.log(`R6 EIO seed ${seed} (replay with HERALD_SEED=${seed})`);

  it('a failed fdatasync of the WAL: its appends reject with HERALD_E_STORAGE_IO, every later write is refused, reads go on; after reopen every acked event is there', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'herald-r6eio-'));
    try {
      const db = join(dir, 'herald.db');
      const when = 2 + Math.floor(random() * (MAX_WHEN - 1));
      // herald syncs the WAL with fdatasync on libuv's pool; strace counts per thread, so the
      // first pool thread to reach its when-th sync fails it.
      const run = await runTraced(db, 'wal', ['-e', 'trace=fdatasync', '-e', `inject=fdatasync:error=EIO:when=${when}`]);
      console.log(`R6 EIO WAL: fdatasync #${when} (per thread) failed (seed ${seed}); ${run.lines} report lines`);
      assert.ok(run.firstFailure > 0, 'the injected EIO failed an append');
      assert.equal(run.refused.length, AFTER, 'every append after the failure was refused with HERALD_E_STORAGE_IO');
      assert.ok(run.walBytes > 0, 'closing after the failure kept the WAL (no checkpoint, no delete)');
      await reopenAndCheck(db, run, 'WAL');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a failed fsync of the database file in a checkpoint: fail-stop as well, and no acked event is lost', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'herald-r6ckpt-'));
    try {
      const db = join(dir, 'herald.db');
      await (await openSqliteLog({ path: db })).close(); // created beforehand: the child's only syncs of the file are its open's and the checkpoints'
      const when = 2 + Math.floor(random() * 4);
      // Only syscalls on the database file are traced (-P), so only its fsyncs fail: per thread,
      // the open's one sync (main thread) is its #1, and the checkpoint worker's #when fails.
      const run = await runTraced(db, 'checkpoint', ['-P', db, '-e', 'trace=fsync,fdatasync', '-e', `inject=fsync,fdatasync:error=EIO:when=${when}+`]);
      console.log(`R6 EIO checkpoint: database fsync #${when}+ (per thread) failed (seed ${seed}); ${run.lines} report lines`);
      assert.ok(run.firstFailure > 0, 'the injected EIO in a checkpoint stopped the writes');
      assert.equal(run.refused.length, AFTER, 'every append after the failure was refused with HERALD_E_STORAGE_IO');
      assert.ok(run.walBytes > 0, 'closing after the failure kept the WAL (no checkpoint, no delete)');
      await reopenAndCheck(db, run, 'checkpoint');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
