/**
 * R14 on the network backends: the system's server (postgres, redis, nats, rabbitmq) is reached
 * through a fault proxy (fault-proxy.ts) that black-holes every connection for the stall, then
 * heals: `flush` (held bytes delivered, as TCP retransmission would after a short partition),
 * `reset` (every connection destroyed) or `stale` (the old connections stay black-holed for good,
 * silently: only the adapters' own timeouts notice them: pg query_timeout, ioredis socketTimeout,
 * NATS pings, AMQP heartbeats; see the "Timeouts and dead connections" section of docs/backends/*.md).
 */
import { describe, it, type TestContext } from 'node:test';
import { openNatsLog } from '../../src/backends/nats/index.js';
import { deleteStreams, uniquePrefix } from '../../src/backends/nats/test-helpers.js';
import { openPostgresLog } from '../../src/backends/postgres/index.js';
import { TestSchemas } from '../../src/backends/postgres/test-helpers.js';
import { dropRabbitNamespace, openRabbitLog } from '../../src/backends/rabbitmq/index.js';
import { openRedisLog } from '../../src/backends/redis/index.js';
import { TestPrefixes } from '../../src/backends/redis/test-helpers.js';
import type { EventLog } from '../../src/log/types.js';
import { seedFromEnv } from '../crash/random.js';
import { requireService, SERVICES, SERVICE_URLS, type ServiceId } from '../services.js';
import { FaultProxy, type HealMode } from './fault-proxy.js';
import { assertStallRun, stallSizes } from './stall-assert.js';
import { stallRun } from './stall-run.js';

const sizes = stallSizes();
const resumeTimeoutMs = Number(process.env.HERALD_R14_RESUME_MS ?? 30_000);
const timeout = sizes.stallMs + 3 * resumeTimeoutMs + 120_000;

interface Case {
  /** Opens the backend at `url` (the proxy's); `cleanup` removes what the run made on the real server. */
  open(url: string): Promise<EventLog>;
  cleanup(): Promise<unknown>;
}

const schemas = new TestSchemas();
const redisPrefixes = new TestPrefixes();
const natsPrefix = uniquePrefix('r14');
const rabbitPrefix = `r14${Date.now().toString(36)}`;

const CASES: Record<ServiceId, Case> = {
  postgres: { open: (url) => openPostgresLog({ connectionString: url, schema: schemas.fresh(), poolSize: 3 }), cleanup: () => schemas.dropAll() },
  redis: { open: (url) => openRedisLog({ url, prefix: redisPrefixes.fresh() }), cleanup: () => redisPrefixes.removeAll() },
  nats: { open: (url) => openNatsLog({ servers: url, prefix: natsPrefix }), cleanup: () => deleteStreams([natsPrefix]) },
  rabbitmq: { open: (url) => openRabbitLog({ url, prefix: rabbitPrefix }), cleanup: () => dropRabbitNamespace({ url: SERVICE_URLS.rabbitmq, prefix: rabbitPrefix }) },
};

async function run(t: TestContext, id: ServiceId, mode: HealMode): Promise<void> {
  if (!(await requireService(id, (message) => t.skip(message)))) return;
  const seed = seedFromEnv();
  console.log(`R14 ${id} (${mode}) seed ${seed} (replay with HERALD_SEED=${seed})`);
  const proxy = await FaultProxy.start(SERVICES[id]);
  t.after(async () => {
    await proxy.close();
    await CASES[id].cleanup().catch((error: unknown) => console.warn(`R14 ${id}: cleanup failed: ${String(error)}`));
  });
  const log = await CASES[id].open(proxy.rewrite(SERVICE_URLS[id]));
  const result = await stallRun({ log, fault: { start: () => proxy.blackhole(), heal: () => proxy.heal(mode) }, seed, ...sizes, resumeTimeoutMs });
  t.diagnostic(`R14 ${id} (${mode}): ${proxy.accepted} connections through the proxy`);
  assertStallRun(t, `${id}`, result, sizes, mode);
}

describe('R14 stall watchdog, network backends through a black-holed proxy', () => {
  for (const mode of ['flush', 'reset', 'stale'] as const) {
    for (const id of ['postgres', 'redis', 'nats', 'rabbitmq'] as const) {
      it(`${id}, heal by ${mode}: stalled reported before the heal, publish and consume resume after it, nothing acked lost`,
        { timeout }, (t) => run(t, id, mode));
    }
  }
});
