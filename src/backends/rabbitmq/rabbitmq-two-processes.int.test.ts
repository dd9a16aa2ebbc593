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
    const prefix = `h2p${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
    const children = [fork(worker), fork(worker)];
    try {
      const runs = children.map((child, i) => start(child, { url, prefix, name: `p${i}`, count: 300 }));
      await Promise.all(runs.map((r) => r.produced));
      const observer = await openRabbitLog({ url, prefix });
      try {
        const deadline = Date.now() + 30_000;
        for (;;) {
          const [group] = await observer.groups('work');
          if (group && group.lag === 0 && (await observer.topicInfo('work'))?.count === 600) break;
          assert.ok(Date.now() < deadline, `the group did not drain: ${JSON.stringify(group)}`);
          await new Promise((r) => setTimeout(r, 50));
        }
      } finally {
        await observer.close();
      }
      children.forEach((c) => c.send('stop'));
      const reports = await Promise.all(runs.map((r) => r.report));
      const appended = reports.flatMap((r) => r.appended);
      assert.equal(new Set(appended).size, 600, 'each process appended its 300 events');
      const acked = reports.flatMap((r) => r.held.filter((h) => h.outcome === 'ok'));
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
