/** Several herald processes on one Redis: concurrent appenders and competing consumers of one group; a consumer killed mid-lease. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { collect } from '../../../test/conformance/helpers.js';
import { seededRandom, seedFromEnv } from '../../../test/crash/random.js';
import { describeResult } from '../../../test/reliability/history.js';
import { checkProcesses, readAll, type AckRecord, type AppendRecord } from '../../../test/reliability/process-history.js';
import { createEvent } from '../../core/envelope.js';
import { streamKey } from './codec.js';
import { REDIS_URL, redisUp, skipWithoutRedis, TestPrefixes } from './test-helpers.js';

const CHILD = fileURLToPath(new URL('./test-worker-child.js', import.meta.url));
const prefixes = new TestPrefixes();
after(() => prefixes.removeAll());

interface Report { worker: string; appended: number; acked: string[]; stale: number; violations: string[]; appends: AppendRecord[]; acks: AckRecord[] }

/** A worker process; `seed` drives its random choices (batch sizes, pauses, failures). */
function child(args: string[], seed = 1): { done: Promise<string>; kill: () => void; firstLine: Promise<string> } {
  const env = { ...process.env, HERALD_SEED: String(seed) };
  const proc = spawn(process.execPath, [CHILD, REDIS_URL, ...args], { stdio: ['ignore', 'pipe', 'inherit'], env });
  let out = '';
  let resolveLine: (line: string) => void = () => undefined;
  const firstLine = new Promise<string>((resolve) => { resolveLine = resolve; });
  proc.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    if (out.includes('\n')) resolveLine(out.slice(0, out.indexOf('\n')));
  });
  const timer = setTimeout(() => proc.kill('SIGKILL'), 90_000);
  const done = once(proc, 'exit').then(([code]) => {
    clearTimeout(timer);
    if (code !== 0) throw new Error(`worker ${args[1]} exited with ${String(code)}`);
    return out;
  });
  return { done, firstLine, kill: () => proc.kill('SIGKILL') };
}

/** Lease consumers the group still has (each fetch makes one; it must go once it holds nothing). */
async function consumers(prefix: string, topic: string, group: string): Promise<string[]> {
  const client = new Redis(REDIS_URL);
  try {
    const rows = await client.xinfo('CONSUMERS', streamKey(prefix, topic), group) as unknown[][];
    return rows.map((row) => String(row[1]));
  } finally {
    await client.quit();
  }
}

describe('redis: two herald processes', { timeout: 120_000 }, () => {
  if (!redisUp) { skipWithoutRedis('two processes'); return; }

  it('append and consume one group at once: every event acked exactly once, no key or event held by both', async (t) => {
    const seed = seedFromEnv();
    t.diagnostic(`seed ${seed} (replay with HERALD_SEED=${seed}; the workers' random choices, not their timing)`);
    const random = seededRandom(seed);
    const prefix = prefixes.fresh();
    const workers = ['a', 'b'].map((w) => child([prefix, w, 'work', '600'], Math.floor(random() * 2 ** 31) + 1));
    const reports = (await Promise.all(workers.map((w) => w.done))).map((out) => JSON.parse(out.trim()) as Report);
    const log = await prefixes.open({}, prefix);
    try {
      const stored = await collect(log.read('jobs'));
      assert.equal(stored.length, 1200, 'both workers appended everything');
      const acked = reports.flatMap((r) => r.acked);
      const result = checkProcesses(reports.map((r) => ({ name: r.worker, appends: r.appends, acks: r.acks })),
        { topic: 'jobs', group: 'g', stored: await readAll(log.read('jobs')), contiguous: true, keyOrder: true });
      t.diagnostic(`redis two processes: ${stored.length} appends, ${acked.length} acks; checker ${describeResult(result)}`);
      assert.deepEqual(result.anomalies, [], `seed ${seed}: ${describeResult(result)}`);
      assert.deepEqual([...acked].sort(), stored.map((s) => s.event.id).sort(), 'every stored event acked exactly once, none twice');
      for (const r of reports) {
        assert.deepEqual(r.violations, [], `worker ${r.worker}: a key was held by both workers at once`);
        assert.equal(r.stale, 0, `worker ${r.worker}: a settlement was stale, so its event had been leased to the other worker`);
        assert.ok(r.acked.length > 0, `worker ${r.worker} consumed too`);
      }
      assert.deepEqual((await log.groups('jobs')).map((g) => [g.group, g.pending, g.lag]), [['g', 0, 0]]);
      assert.deepEqual(await consumers(prefix, 'jobs', 'g'), ['waiting'], 'no lease consumer is left behind');
    } finally {
      await log.close();
    }
  });

  it('a process killed while holding leases: nobody else gets its events until the leases end, then they come back', async () => {
    const prefix = prefixes.fresh();
    const log = await prefixes.open({}, prefix);
    try {
      await log.append('jobs', Array.from({ length: 20 }, (_, i) => createEvent({ type: 'job', key: `k${i % 4}`, data: { i } })));
      const holder = child([prefix, 'h', 'hold', '1500']);
      const held = JSON.parse(await holder.firstLine) as number[];
      holder.kill();
      await holder.done.catch(() => undefined);
      assert.equal(held.length, 10);
      const others = await log.fetch('jobs', 'g', { max: 100, leaseMs: 60_000 });
      assert.deepEqual(others.map((d) => d.position), [], 'the dead holder\'s keys stay blocked: all four keys have events it holds');
      await new Promise((resolve) => setTimeout(resolve, 1600));
      const back = await log.fetch('jobs', 'g', { max: 100, leaseMs: 60_000 });
      assert.deepEqual(back.map((d) => d.position), Array.from({ length: 20 }, (_, i) => i + 1));
      assert.deepEqual(back.map((d) => d.attempt), back.map((d) => (held.includes(d.position) ? 2 : 1)), 'the expired lease counted an attempt');
      assert.deepEqual(await log.settle('jobs', 'g', back.map((d) => ({ kind: 'ack', position: d.position, leaseId: d.leaseId }))), back.map(() => 'ok'));
      assert.deepEqual(await consumers(prefix, 'jobs', 'g'), ['waiting'], 'the dead lease\'s consumer went with its last entry');
    } finally {
      await log.close();
    }
  });
});
