/**
 * One herald process of the two-process test (postgres-processes.int.test.ts): appends `count`
 * keyed events in random batches while two consumer loops compete for one group, until the parent
 * writes "stop" on stdin; then prints what it appended and every delivery it held, as JSON.
 * Times are wall-clock milliseconds with sub-millisecond precision (hold intervals are compared
 * across processes). Its random choices come from HERALD_SEED (the parent passes one per worker).
 */
import { seededRandom } from '../../../test/crash/random.js';
import { createEvent } from '../../core/envelope.js';
import type { Delivery, Settlement } from '../../log/types.js';
import { openPostgresLog } from './index.js';

export interface Held { p: number; id: string; k: string; lease: number; fetched: number; settled: number; kind: Settlement['kind']; outcome: string }
export interface WorkerReport { appended: number[]; appends: { id: string; key: string; position: number }[]; held: Held[] }

const [url, schema, topic, group, name, countText] = process.argv.slice(2) as [string, string, string, string, string, string];
const count = Number(countText);
const wallNow = (): number => performance.timeOrigin + performance.now();
const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const random = seededRandom(Number(process.env.HERALD_SEED ?? 1));

const log = await openPostgresLog({ connectionString: url, schema, poolSize: 4 });
let stopping = false;
process.stdin.on('data', (chunk: Buffer) => { if (chunk.toString().includes('stop')) stopping = true; });
process.stdin.on('end', () => { stopping = true; });

const held: Held[] = [];
const appends: WorkerReport['appends'] = [];

async function produce(): Promise<number[]> {
  const positions: number[] = [];
  for (let n = 0; n < count;) {
    const size = Math.min(count - n, 1 + Math.floor(random() * 12));
    const batch = Array.from({ length: size }, (_, i) => createEvent({ type: 'two.process', key: `k${(n + i) % 23}`, data: { name, n: n + i } }));
    const receipts = await log.append(topic, batch);
    positions.push(...receipts.map((r) => r.position));
    appends.push(...receipts.map((r, i) => ({ id: r.id, key: `k${(n + i) % 23}`, position: r.position })));
    n += size;
  }
  return positions;
}

/** Fetch, "handle" each event in position order with a short random pause, settle the batch; one in ten fails (nack + release of its key's rest). */
async function consumeLoop(): Promise<void> {
  while (!stopping) {
    const batch = await log.fetch(topic, group, { max: 8, leaseMs: 60_000 });
    const fetched = wallNow();
    if (batch.length === 0) { await pause(5); continue; }
    const failedKeys = new Set<string>();
    const settlements: Settlement[] = [];
    for (const d of batch) {
      await pause(random() * 2);
      const key = d.event.partitionkey!;
      if (failedKeys.has(key)) settlements.push({ kind: 'release', position: d.position, leaseId: d.leaseId });
      else if (random() < 0.1) { failedKeys.add(key); settlements.push({ kind: 'nack', position: d.position, leaseId: d.leaseId, delayMs: 0, error: { message: 'flaky' } }); }
      else settlements.push({ kind: 'ack', position: d.position, leaseId: d.leaseId });
    }
    const settled = wallNow();
    const outcomes = await log.settle(topic, group, settlements);
    batch.forEach((d: Delivery, i) => held.push({
      p: d.position, id: d.event.id, k: d.event.partitionkey!, lease: d.leaseId, fetched, settled, kind: settlements[i]!.kind, outcome: outcomes[i]!,
    }));
  }
}

const [appended] = await Promise.all([produce(), consumeLoop(), consumeLoop()]);
await log.close();
const report: WorkerReport = { appended, appends, held };
process.stdout.write(`${JSON.stringify(report)}\n`);
