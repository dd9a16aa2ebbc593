/**
 * Two herald processes (child processes, sharing nothing but the broker) append to one topic and
 * consume one group at the same time. Afterwards every appended event was acked exactly once by
 * the group, and no key was held by both processes at once.
 */
import assert from 'node:assert/strict';
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { seededRandom, seedFromEnv } from '../../../test/crash/random.js';
import { describeResult } from '../../../test/reliability/history.js';
import { checkProcesses, readAll } from '../../../test/reliability/process-history.js';
import { SERVICE_URLS, requireService } from '../../../test/services.js';
import { dropRabbitNamespace, openRabbitLog } from './index.js';
import type { WorkerReport, WorkerStart } from './test-worker.js';

const url = SERVICE_URLS.rabbitmq;
const worker = fileURLToPath(new URL('./test-worker.js', import.meta.url));

function start(child: ChildProcess, message: WorkerStart): { produced: Promise<void>; report: Promise<WorkerReport> } {
  let produced!: () => void;
  const producedP = new Promise<void>((resolve) => { produced = resolve; });
  const report = new Promise<WorkerReport>((resolve, reject) => {
    child.on('message', (m: unknown) => {
      if (m === 'produced') produced();
      else if (typeof m === 'object' && m !== null && 'error' in m) reject(new Error(`${message.name}: ${String(m.error)}`));
      else resolve(m as WorkerReport);
    });
    child.once('exit', (code) => { if (code !== 0) reject(new Error(`${message.name} exited with ${code}`)); });
  });
  child.send(message);
  return { produced: producedP, report };
}

describe('rabbitmq: two processes on one topic and group', () => {
  it('every event appended by either process is acked exactly once; no key is held by both at once', { timeout: 60_000 }, async (t) => {
    if (!await requireService('rabbitmq', (m) => t.skip(m))) return;
    const seed = seedFromEnv();
    t.diagnostic(`seed ${seed} (replay with HERALD_SEED=${seed}; the workers' batch sizes, not their timing)`);
    const random = seededRandom(seed);
    const prefix = `h2p${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
    const children = [fork(worker), fork(worker)];
    try {
      const runs = children.map((child, i) => start(child, { url, prefix, name: `p${i}`, count: 300, seed: Math.floor(random() * 2 ** 31) + 1 }));
      await Promise.all(runs.map((r) => r.produced));
      const observer = await openRabbitLog({ url, prefix });
      let stored: Awaited<ReturnType<typeof readAll>> = [];
      try {
        const deadline = Date.now() + 30_000;
        for (;;) {
          const [group] = await observer.groups('work');
          if (group && group.lag === 0 && (await observer.topicInfo('work'))?.count === 600) break;
          assert.ok(Date.now() < deadline, `the group did not drain: ${JSON.stringify(group)}`);
          await new Promise((r) => setTimeout(r, 50));
        }
        stored = await readAll(observer.read('work'));
      } finally {
        await observer.close();
      }
      children.forEach((c) => c.send('stop'));
      const reports = await Promise.all(runs.map((r) => r.report));
      const appended = reports.flatMap((r) => r.appended);
      assert.equal(new Set(appended).size, 600, 'each process appended its 300 events');
      const acked = reports.flatMap((r) => r.held.filter((h) => h.outcome === 'ok'));
      // RabbitMQ streams do not claim contiguous positions; they do keep key order across consumers.
      const result = checkProcesses(reports.map((r) => ({ name: r.name, appends: r.appends, acks: r.held.filter((h) => h.outcome === 'ok').map((h) => ({ ...h, at: h.to })) })),
        { topic: 'work', group: 'g', stored, contiguous: false, keyOrder: true });
      t.diagnostic(`rabbitmq two processes: ${appended.length} appends, ${acked.length} acks; checker ${describeResult(result)}`);
      assert.deepEqual(result.anomalies, [], `seed ${seed}: ${describeResult(result)}`);
      assert.equal(acked.length, reports.flatMap((r) => r.held).length, 'every ack was accepted (nothing leased twice)');
      assert.deepEqual(acked.map((h) => h.id).sort(), [...appended].sort(), 'every appended event acked exactly once');
      assert.ok(reports.every((r) => r.held.length > 0), `both processes consumed (${reports.map((r) => r.held.length).join(' / ')})`);
      const [a, b] = reports.map((r) => r.held);
      for (const x of a!) {
        for (const y of b!) {
          if (x.key === y.key) assert.ok(x.to < y.from || y.to < x.from, `key ${x.key} held by both processes at once (${x.position}, ${y.position})`);
        }
      }
    } finally {
      children.forEach((c) => c.kill('SIGKILL'));
      await dropRabbitNamespace({ url, prefix });
    }
  });
});
