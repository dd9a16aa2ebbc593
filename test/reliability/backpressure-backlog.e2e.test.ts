import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { openSqliteLog } from '../../src/backends/sqlite/index.js';
import { seededRandom, seedFromEnv } from '../crash/random.js';
import { buildBacklog } from './backpressure-backlog.js';
import { describeMemory, fmt, judgeMemory, rssOf, rssParts, type Sample } from './backpressure-memory.js';
import { check, describeResult, History } from './history.js';

// R13, memory under a backlog. 1M events build in ~20 s on the 2-core CI machine (~50k ev/s,
// ~340 MB of database), so the default row fits in ~1.5 min; the soak sets SECONDS=3600.
const BACKLOG = Number(process.env.HERALD_R13_BACKLOG ?? 1_000_000);
const SECONDS = Number(process.env.HERALD_R13_SECONDS ?? 60);
const RATE = Number(process.env.HERALD_R13_RATE ?? 100);
const PRODUCERS = Number(process.env.HERALD_R13_PRODUCERS ?? 4);
const KEYS = 64;
// V8's young generation is pinned (8 MB semi-spaces) so that its adaptive growth — a one-time
// +16 MB step seen ~40 s into 60-s runs, ~30 MB waves over 3 min — is not read as herald's
// memory growing. HERALD_R13_V8='' runs the child with V8's defaults (the soak can).
const V8_FLAGS = (process.env.HERALD_R13_V8 ?? '--min-semi-space-size=8 --max-semi-space-size=8').split(' ').filter((f) => f.length > 0);
const child = join(import.meta.dirname, 'backpressure-child.js');

interface Run { parts: ReturnType<typeof rssParts>[]; samples: Sample[]; baseline: number; deliveries: { position: number; id: string; key: string }[]; done: Record<string, unknown>; stats: string[] }

/** Runs the child over `db`; samples its VmRSS from here each time it reports (once a second), after a baseline taken once the log is open. */
function runChild(db: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--expose-gc', ...V8_FLAGS, child, db, String(SECONDS), String(RATE), String(PRODUCERS)], { stdio: ['pipe', 'pipe', 'pipe'] });
    const run: Run = { parts: [], samples: [], baseline: 0, deliveries: [], done: {}, stats: [] };
    let err = '';
    let started = 0;
    proc.stderr.setEncoding('utf8').on('data', (d: string) => { err += d; });
    createInterface({ input: proc.stdout }).on('line', (line) => {
      if (line === 'OPEN') {
        // Let the open settle (lazy statements, the checkpoint worker) before the baseline.
        setTimeout(() => {
          run.baseline = rssOf(proc.pid!);
          started = Date.now();
          proc.stdin.write('go\n');
        }, 1000);
      } else if (line.startsWith('D ')) {
        const [, position, id, key] = line.split(' ');
        run.deliveries.push({ position: Number(position), id: id!, key: key! });
      } else if (line.startsWith('STAT ')) {
        // Sampled as the child reports, just after its full GC.
        run.stats.push(line.slice(5));
        try {
          const parts = rssParts(proc.pid!);
          run.samples.push({ atMs: Date.now() - started, rssBytes: parts.rss });
          run.parts.push(parts);
        } catch { /* the child just exited */ }
      } else if (line.startsWith('DONE ')) {
        run.done = JSON.parse(line.slice(5)) as Record<string, unknown>;
      }
    });
    // A child that hangs must not outlive the test.
    const limit = setTimeout(() => proc.kill('SIGKILL'), (SECONDS + 120) * 1000);
    proc.on('error', reject);
    proc.on('close', (code) => {
      clearTimeout(limit);
      if (code !== 0 || run.baseline === 0) reject(new Error(`backpressure child exited ${code}: ${err.slice(-2000)}`));
      else resolve(run);
    });
  });
}

/** What group `slow` gets when it fetches again, up to position `highest`. */
async function givenBack(db: string, highest: number): Promise<{ position: number; id: string; key: string }[]> {
  const log = await openSqliteLog({ path: db });
  try {
    const deliveries = await log.fetch('backlog', 'slow', { max: 1024, leaseMs: 60_000 });
    return deliveries.filter((d) => d.position <= highest).map((d) => ({ position: d.position, id: d.event.id, key: d.event.partitionkey as string }));
  } finally {
    await log.close();
  }
}

test(`R13: RSS bounded and flat over a ${BACKLOG}-event backlog, a consumer at ${RATE} ev/s and ${PRODUCERS} producers for ${SECONDS} s`, { timeout: (SECONDS + 300) * 1000 }, async (t) => {
  const seed = seedFromEnv();
  console.log(`R13 backlog seed ${seed} (replay with HERALD_SEED=${seed})`);
  const random = seededRandom(seed);
  const dir = mkdtempSync(join(tmpdir(), 'herald-r13-'));
  const db = join(dir, 'herald.db');
  try {
    const keys = new Uint8Array(BACKLOG);
    const buildMs = await buildBacklog(db, BACKLOG, (n) => `k${(keys[n] = Math.floor(random() * KEYS))}`);
    t.diagnostic(`backlog: ${BACKLOG} events in ${buildMs} ms (${Math.round(BACKLOG / (buildMs / 1000))} ev/s), ${fmt(statSync(db).size)} file`);

    const run = await runChild(db);
    const verdict = judgeMemory(run.baseline, run.samples);
    const last = run.stats.at(-1);
    t.diagnostic(`R13 memory: ${describeMemory(verdict)}`);
    t.diagnostic(`R13 run: ${JSON.stringify(run.done)}; child's last STAT ${last ?? '-'}`);
    const part = (k: 'anon' | 'file' | 'shmem'): string => run.parts.filter((_, i) => i % 10 === 0 || i === run.parts.length - 1).map((x) => (x[k] / 2 ** 20).toFixed(0)).join(' ');
    const heapTotal = run.stats.filter((_, i) => i % 10 === 0).map((l) => ((JSON.parse(l) as { heapTotal: number }).heapTotal / 2 ** 20).toFixed(0)).join(' ');
    t.diagnostic(`R13 RSS parts (MB, every 10 s): anon ${part('anon')}; file ${part('file')}; shmem ${part('shmem')}; V8 heapTotal ${heapTotal}`);
    t.diagnostic(`R13 RSS (MB, one a second): ${run.samples.map((s) => (s.rssBytes / 2 ** 20).toFixed(0)).join(' ')}`);

    // What the slow group saw: the backlog from position 1, in order, nothing passed over.
    const history = new History();
    // A loop, not Math.max(...spread): the soak's hour makes 360,000 deliveries, past the stack.
    const highest = run.deliveries.reduce((max, d) => Math.max(max, d.position), 0);
    for (let p = 1; p <= Math.min(highest, BACKLOG); p++) {
      history.invoke('builder', 'backlog', `k${keys[p - 1]!}`, `b${p - 1}`);
      history.ok(`b${p - 1}`, p);
    }
    for (const d of run.deliveries) history.deliver('backlog', 'slow', d);
    // The runner holds up to 256 deliveries and works them per key, so the close gave back some
    // below the highest handled position: each must still be there for the group, fetched again.
    const again = await givenBack(db, highest);
    for (const d of again) history.deliver('backlog', 'slow', d);
    t.diagnostic(`R13 group: ${run.deliveries.length} handled up to position ${highest}; ${again.length} below it given back at close and fetched again`);
    const result = check(history.ops, { contiguous: true });
    assert.deepEqual(result.anomalies, [], describeResult(result));

    const handled = run.done.handled as number;
    assert.ok(handled > 0 && handled <= RATE * (SECONDS + 2), `the group handled ${handled} events, paced at ${RATE}/s`);
    assert.ok((run.done.produced as number) > 0 && run.done.failed === 0, 'the producers appended throughout, without a failure');
    assert.ok(run.samples.length >= Math.min(SECONDS, 10), `${run.samples.length} RSS samples`);
    assert.deepEqual(verdict.problems, [], `memory not bounded and flat: ${describeMemory(verdict)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
