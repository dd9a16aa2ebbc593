/**
 * R10: the shared EventLog and consumer-runtime conformance suites against a private Redis with
 * `appendonly yes` + `appendfsync always`. There `capabilities.durable` is true, so the durability
 * rows that skip against the system Redis (no AOF) run here.
 */
import assert from 'node:assert/strict';
import { after, it } from 'node:test';
import { openRedisLog } from '../../src/backends/redis/index.js';
import { FakeClock, runLogConformance, runRuntimeConformance } from '../conformance/index.js';
import { haveBinary } from './brokers/kill-test.js';
import { RedisBroker } from './brokers/redis.js';

const skip = haveBinary('redis-server');
if (skip) {
  it('redis conformance with AOF always (skipped)', { skip }, () => undefined);
} else {
  const broker = await RedisBroker.create();
  await broker.start();
  after(() => broker.stop());
  let n = 0;
  let last = '';
  const open = (prefix = `c${++n}`, clock?: FakeClock): ReturnType<typeof openRedisLog> => {
    last = prefix;
    return openRedisLog({ url: broker.url, prefix, requireDurable: true, ...(clock ? { clock } : {}) });
  };
  it('the private server is durable (AOF always)', async () => {
    const log = await open();
    assert.equal(log.capabilities.durable, true);
    assert.deepEqual({ ...log.persistence }, { durable: true, appendonly: 'yes', appendfsync: 'always', maxmemoryPolicy: 'noeviction' });
    await log.close();
  });
  const clock = new FakeClock();
  runLogConformance({ name: 'redis (AOF always)', clock, open: () => open(undefined, clock), reopen: () => open(last, clock) });
  runLogConformance({ name: 'redis (AOF always, server clock)', open: () => open(), reopen: () => open(last) });
  runRuntimeConformance({ name: 'redis (AOF always)', open: () => open() });
}
