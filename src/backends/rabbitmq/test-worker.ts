/**
 * A child process of rabbitmq-two-processes.int.test.ts: appends `count` keyed events to topic
 * `work` while consuming group `g` with plain fetch/settle, then reports what it appended and
 * every delivery it acked (with the wall-clock span it held it, sub-millisecond) to the parent, and
 * its appends with their positions for the history checker. Batch sizes come from `seed`.
 */
import { seededRandom } from '../../../test/crash/random.js';
import { createEvent } from '../../core/envelope.js';
import { openRabbitLog } from './index.js';

export interface WorkerStart { url: string; prefix: string; name: string; count: number; seed: number }
export interface HeldSpan { position: number; id: string; key: string; from: number; to: number; outcome: string }
export interface WorkerReport { name: string; appended: string[]; appends: { id: string; key: string; position: number }[]; held: HeldSpan[] }

process.once('message', (start: WorkerStart) => {
  void run(start).catch((error: unknown) => {
    process.send!({ error: String((error as Error)?.stack ?? error) });
    process.exit(1);
  });
});

async function run({ url, prefix, name, count, seed }: WorkerStart): Promise<void> {
  const log = await openRabbitLog({ url, prefix });
  const appended: string[] = [];
  const appends: WorkerReport['appends'] = [];
  const random = seededRandom(seed);
  const wallNow = (): number => performance.timeOrigin + performance.now();
  const held: HeldSpan[] = [];
  let stop = false;
  process.on('message', (m: unknown) => { if (m === 'stop') stop = true; });
  const produce = (async () => {
    for (let i = 0; i < count;) {
      const size = Math.min(count - i, 1 + Math.floor(random() * 19));
      const events = Array.from({ length: size }, (_, j) => createEvent({ type: 'job', key: `k${(i + j) % 7}`, data: { from: name, n: i + j } }));
      const receipts = await log.append('work', events);
      appended.push(...events.map((e) => e.id));
      appends.push(...receipts.map((r, j) => ({ id: r.id, key: `k${(i + j) % 7}`, position: r.position })));
      i += size;
    }
    process.send!('produced');
  })();
  while (!stop) {
    const batch = await log.fetch('work', 'g', { max: 8, leaseMs: 60_000 });
    if (batch.length === 0) { await new Promise((r) => setTimeout(r, 5)); continue; }
    const from = wallNow();
    await new Promise((r) => setImmediate(r));
    const to = wallNow();
    const outcomes = await log.settle('work', 'g', batch.map((d) => ({ kind: 'ack' as const, position: d.position, leaseId: d.leaseId })));
    batch.forEach((d, i) => held.push({ position: d.position, id: d.event.id, key: d.event.partitionkey!, from, to, outcome: outcomes[i]! }));
  }
  await produce;
  await log.close();
  const report: WorkerReport = { name, appended, appends, held };
  process.send!(report, () => process.exit(0));
}
