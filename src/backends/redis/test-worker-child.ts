/**
 * A herald process for the redis two-process tests (not part of the public API). Usage:
 *   node test-worker-child.js <url> <prefix> <worker> work <count>  appends <count> events while
 *     consuming group `g` of topic `jobs` with fetch/settle, until both workers appended and the
 *     group is drained; prints {appended, acked, stale, violations} as JSON.
 *   node test-worker-child.js <url> <prefix> <worker> hold <leaseMs>  fetches up to 10 events,
 *     prints their positions and waits to be killed.
 * Key order across processes is checked with a marker per key (`SET NX`): a worker takes it when it
 * receives events of the key and drops it just before settling them, so finding it taken by the
 * other worker means both held the key at once. For the history checker it also reports its
 * appends (id, key, position) and its accepted acks with a wall-clock time. Random choices come from
 * HERALD_SEED (the parent passes one per worker).
 */
import { Redis } from 'ioredis';
import { seededRandom } from '../../../test/crash/random.js';
import { createEvent, keyOf } from '../../core/envelope.js';
import type { Delivery, Settlement } from '../../log/types.js';
import { openRedisLog } from './index.js';

const [url = '', prefix = '', worker = '', mode = '', arg = ''] = process.argv.slice(2);
const TOPIC = 'jobs';
const GROUP = 'g';
const log = await openRedisLog({ url, prefix });
const side = new Redis(url);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const random = seededRandom(Number(process.env.HERALD_SEED ?? 1));

if (mode === 'hold') {
  const held = await log.fetch(TOPIC, GROUP, { max: 10, leaseMs: Number(arg) });
  process.stdout.write(`${JSON.stringify(held.map((d) => d.position))}\n`);
  await new Promise(() => undefined);
}

const count = Number(arg);
const acked: string[] = [];
const appends: { id: string; key: string | undefined; position: number }[] = [];
const acks: { id: string; key: string | undefined; position: number; at: number }[] = [];
const violations: string[] = [];
let stale = 0;

async function appendAll(): Promise<void> {
  for (let sent = 0; sent < count;) {
    const size = Math.min(count - sent, 1 + Math.floor(random() * 20));
    const batch = Array.from({ length: size }, (_, i) => {
      const n = sent + i;
      return createEvent({ type: 'job', data: { worker, n }, ...(n % 5 === 0 ? {} : { key: `k${n % 13}` }) });
    });
    appends.push(...(await log.append(TOPIC, batch)).map((r, i) => ({ id: r.id, key: keyOf(batch[i]!), position: r.position })));
    sent += size;
    await sleep(random() * 3);
  }
  await side.incr(`${prefix}:test:appended`);
}

async function settle(settlements: Settlement[], events: Delivery[]): Promise<void> {
  const at = performance.timeOrigin + performance.now(); // before the call: a later fetch of the key can only follow it
  const outcomes = await log.settle(TOPIC, GROUP, settlements);
  outcomes.forEach((o, i) => {
    if (o === 'stale') stale++;
    else if (settlements[i]!.kind === 'ack') {
      acked.push(events[i]!.event.id);
      acks.push({ id: events[i]!.event.id, key: keyOf(events[i]!.event), position: events[i]!.position, at });
    }
  });
}

/** One key's deliveries, in order: all acked, or the first nacked and the rest given back. */
async function lane(key: string | undefined, ds: Delivery[]): Promise<void> {
  const marker = `${prefix}:test:key:${key}`;
  if (key !== undefined && (await side.set(marker, worker, 'NX')) === null && (await side.get(marker)) !== worker) {
    violations.push(`key ${key} at ${ds[0]!.position} while the other worker holds it`);
  }
  await sleep(random() * 2);
  const fail = ds[0]!.attempt === 1 && random() < 0.1;
  if (key !== undefined) await side.del(marker);
  const settlements: Settlement[] = ds.map((d, i) => fail
    ? (i === 0 ? { kind: 'nack', position: d.position, leaseId: d.leaseId, delayMs: 10 } : { kind: 'release', position: d.position, leaseId: d.leaseId })
    : { kind: 'ack', position: d.position, leaseId: d.leaseId });
  await settle(settlements, ds);
}

async function consume(): Promise<void> {
  for (;;) {
    const ds = await log.fetch(TOPIC, GROUP, { max: 1 + Math.floor(random() * 20), leaseMs: 60_000 });
    if (ds.length === 0) {
      const done = Number(await side.get(`${prefix}:test:appended`)) === 2;
      const [info] = await log.groups(TOPIC);
      if (done && info?.lag === 0) return;
      await sleep(5);
      continue;
    }
    const lanes = new Map<string, Delivery[]>();
    for (const d of ds) {
      const key = d.event.partitionkey ?? `\u0000${d.position}`;
      lanes.set(key, [...(lanes.get(key) ?? []), d]);
    }
    await Promise.all([...lanes.values()].map((l) => lane(l[0]!.event.partitionkey, l)));
  }
}

await Promise.all([appendAll(), consume()]);
process.stdout.write(`${JSON.stringify({ worker, appended: count, acked, stale, violations, appends, acks })}\n`);
await log.close();
await side.quit();
