import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { seededRandom, seedFromEnv } from '../../../test/crash/random.js';
import { describeResult } from '../../../test/reliability/history.js';
import { checkProcesses, readAll } from '../../../test/reliability/process-history.js';
import { PG_URL, pgUp, skipWithoutPg, TestSchemas } from './test-helpers.js';
import type { Held, WorkerReport } from './test-worker-child.js';

const CHILD = fileURLToPath(new URL('./test-worker-child.js', import.meta.url));
const PER_PROCESS = 600;

function worker(schema: string, name: string, seed: number): { report: Promise<WorkerReport>; stop: () => void } {
  const env = { ...process.env, HERALD_SEED: String(seed) };
  const child = spawn(process.execPath, [CHILD, PG_URL, schema, 'orders', 'billing', name, String(PER_PROCESS)], { stdio: ['pipe', 'pipe', 'inherit'], env });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => { out += chunk.toString(); });
  const report = new Promise<WorkerReport>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as WorkerReport) : reject(new Error(`${name} exited with ${code}`))));
  });
  return { report, stop: () => { child.stdin.end('stop\n'); } };
}

/** Pairs of holds of one key by two different leases whose [fetched, settled] intervals overlap. */
function overlappingHolds(held: readonly Held[]): string[] {
  const byKey = new Map<string, Held[]>();
  for (const h of held) byKey.set(h.k, [...(byKey.get(h.k) ?? []), h]);
  const problems: string[] = [];
  for (const [key, holds] of byKey) {
    const sorted = [...holds].sort((a, b) => a.fetched - b.fetched);
    for (let i = 0; i < sorted.length; i++) {
      for (let j = i + 1; j < sorted.length && sorted[j]!.fetched < sorted[i]!.settled; j++) {
        if (sorted[j]!.lease !== sorted[i]!.lease) problems.push(`key ${key}: #${sorted[i]!.p} (lease ${sorted[i]!.lease}) and #${sorted[j]!.p} (lease ${sorted[j]!.lease})`);
      }
    }
  }
  return problems;
}

if (pgUp) {
  describe('postgres: two herald processes on one topic and group', () => {
    const schemas = new TestSchemas();
    after(() => schemas.dropAll());

    it('both append and consume at once: every event acked exactly once, never leased to both, keys never held by two', { timeout: 60_000 }, async (t) => {
      const seed = seedFromEnv();
      t.diagnostic(`seed ${seed} (replay with HERALD_SEED=${seed}; the workers' random choices, not their timing)`);
      const random = seededRandom(seed);
      const schema = schemas.fresh();
      const watcher = await schemas.open(schema);
      try {
        const workers = [worker(schema, 'a', Math.floor(random() * 2 ** 31) + 1), worker(schema, 'b', Math.floor(random() * 2 ** 31) + 1)];
        const total = 2 * PER_PROCESS;
        for (const deadline = Date.now() + 45_000; ;) {
          assert.ok(Date.now() < deadline, 'the two processes did not drain the group in time');
          const [info] = await watcher.groups('orders');
          if ((await watcher.topicInfo('orders'))?.head === total && info?.lag === 0) break;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        workers.forEach((w) => w.stop());
        const reports = await Promise.all(workers.map((w) => w.report));
        const appended = reports.flatMap((r) => r.appended).sort((a, b) => a - b);
        assert.deepEqual(appended, Array.from({ length: total }, (_, i) => i + 1), 'positions 1..total, each given to one append');
        const held = reports.flatMap((r) => r.held);
        // The checker: each worker's appends, a full read, and the group's accepted acks in settle order (exactly once).
        const result = checkProcesses(reports.map((r, i) => ({
          name: `w${i}`, appends: r.appends,
          acks: r.held.filter((h) => h.kind === 'ack' && h.outcome === 'ok').map((h) => ({ id: h.id, position: h.p, key: h.k, at: h.settled })),
        })), { topic: 'orders', group: 'billing', stored: await readAll(watcher.read('orders')), contiguous: true, keyOrder: true });
        t.diagnostic(`postgres two processes: ${total} appends, ${held.length} holds; checker ${describeResult(result)}`);
        assert.deepEqual(result.anomalies, [], `seed ${seed}: ${describeResult(result)}`);
        const acked = held.filter((h) => h.kind === 'ack' && h.outcome === 'ok').map((h) => h.p).sort((a, b) => a - b);
        assert.deepEqual(acked, appended, 'every appended event acked exactly once');
        assert.ok(held.some((h) => h.kind === 'nack'), 'some events failed and went round again');
        assert.ok(reports.every((r) => r.held.some((h) => h.kind === 'ack')), 'both processes consumed');
        assert.deepEqual(held.filter((h) => h.outcome !== 'ok'), [], 'no settlement was stale (leases never expired, none was taken twice)');
        assert.deepEqual(overlappingHolds(held), [], 'a key (so also an event) was never held by two leases at once');
        const ackOrder = new Map<string, number[]>();
        for (const h of [...held].sort((a, b) => a.settled - b.settled)) {
          if (h.kind === 'ack' && h.outcome === 'ok') ackOrder.set(h.k, [...(ackOrder.get(h.k) ?? []), h.p]);
        }
        for (const [key, ps] of ackOrder) assert.deepEqual(ps, [...ps].sort((a, b) => a - b), `acks of ${key} in position order`);
      } finally {
        await watcher.close();
      }
    });
  });
} else {
  skipWithoutPg('postgres two processes');
}
