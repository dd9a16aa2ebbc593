/**
 * R14, idle connections: the onAppend wake-up connections (postgres LISTEN, the redis
 * subscriber) never send anything on their own, so a partition that leaves them silent for good
 * (fault-proxy `stale`) would go unnoticed for ever. Their keepalive checks (`SELECT 1` / `PING`
 * every `keepAliveMs`, under the query / socket timeout) must find the dead connection and open a
 * new one: appends made by another process wake this one's listeners again.
 */
import assert from 'node:assert/strict';
import { after, describe, it, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { openPostgresLog } from '../../src/backends/postgres/index.js';
import { TestSchemas } from '../../src/backends/postgres/test-helpers.js';
import { openRedisLog } from '../../src/backends/redis/index.js';
import { TestPrefixes } from '../../src/backends/redis/test-helpers.js';
import { createEvent } from '../../src/core/envelope.js';
import type { EventLog } from '../../src/log/types.js';
import { seedFromEnv } from '../crash/random.js';
import { requireService, SERVICES, SERVICE_URLS } from '../services.js';
import { FaultProxy } from './fault-proxy.js';
import { check, describeResult, History } from './history.js';

const TOPIC = 'r14.wake';
/** How long the listener may take to hear an append again (far above keepAliveMs + the timeout). */
const WAKE_WAIT_MS = Number(process.env.HERALD_R14_WAKE_WAIT_MS ?? 20_000);
const schemas = new TestSchemas();
const prefixes = new TestPrefixes();

/** Opens one log through `url` (the proxy's, with short keepalive and timeout) or directly (another process). */
type Open = (url: string | undefined, name: string) => Promise<EventLog>;

async function run(t: TestContext, id: 'postgres' | 'redis', open: Open): Promise<void> {
  if (!(await requireService(id, (message) => t.skip(message)))) return;
  const seed = seedFromEnv();
  console.log(`R14 ${id} stale listener: seed ${seed} (replay with HERALD_SEED=${seed})`);
  const proxy = await FaultProxy.start(SERVICES[id]);
  t.after(() => proxy.close());
  const name = id === 'postgres' ? schemas.fresh() : prefixes.fresh();
  const listening = await open(proxy.rewrite(SERVICE_URLS[id]), name);
  t.after(() => listening.close().catch(() => undefined));
  const other = await open(undefined, name);
  t.after(() => other.close().catch(() => undefined));

  const history = new History();
  let n = 0;
  const append = async (): Promise<void> => {
    const event = createEvent({ type: 'r14.wake', id: `wake-${seed}-${n++}`, data: {} });
    history.invoke('other', TOPIC, '', event.id);
    const [receipt] = await other.append(TOPIC, [event]);
    history.ok(event.id, receipt!.position);
  };
  let wakes = 0;
  const off = listening.onAppend(TOPIC, () => { wakes++; });
  t.after(off);
  /** Appends every 200 ms until the listener hears one; returns how long that took (undefined: never). */
  const heard = async (): Promise<number | undefined> => {
    const from = Date.now();
    const before = wakes;
    while (wakes === before && Date.now() - from < WAKE_WAIT_MS) {
      await append();
      await sleep(200);
    }
    return wakes > before ? Date.now() - from : undefined;
  };

  assert.ok((await heard()) !== undefined, 'the listener hears another process\'s appends before the fault');
  proxy.blackhole();
  proxy.heal('stale'); // every open connection is now silent for good; new ones work
  const afterMs = await heard();
  console.log(`R14 ${id} stale listener: woken again ${String(afterMs)} ms after its connection went silent (${proxy.accepted} connections through the proxy)`);
  assert.ok(afterMs !== undefined, `the listener hears appends again within ${WAKE_WAIT_MS} ms: its dead connection was replaced`);

  const stored: { position: number; id: string; key: string }[] = [];
  // Read through the other process: the listening log's idle pooled connections are silent too,
  // and each costs one timed-out call before the pool replaces it (or its idle timeout does).
  for await (const s of other.read(TOPIC)) stored.push({ position: s.position, id: s.event.id, key: '' });
  history.read(TOPIC, stored);
  const result = check(history.ops, { contiguous: true });
  assert.deepEqual(result.anomalies, [], describeResult(result));
}

describe('R14 idle wake-up connections left silent by a partition are replaced', () => {
  after(() => Promise.all([schemas.dropAll(), prefixes.removeAll()]));

  it('postgres: the LISTEN connection, checked every keepAliveMs under queryTimeoutMs', { timeout: 60_000 }, (t) => run(t, 'postgres', (url, schema) =>
    openPostgresLog(url === undefined ? { connectionString: SERVICE_URLS.postgres, schema } : { connectionString: url, schema, keepAliveMs: 1000, queryTimeoutMs: 2000 })));

  it('redis: the subscriber connection, PINGed every keepAliveMs under socketTimeoutMs', { timeout: 60_000 }, (t) => run(t, 'redis', (url, prefix) =>
    openRedisLog(url === undefined ? { url: SERVICE_URLS.redis, prefix } : { url, prefix, keepAliveMs: 1000, socketTimeoutMs: 2000 })));
});
