/** R10 on Redis (AOF `appendfsync always`): kill -9 the private server twice during 20k publishes. */
import { it } from 'node:test';
import { openRedisLog } from '../../src/backends/redis/index.js';
import { brokerKillTest, haveBinary } from './brokers/kill-test.js';
import { RedisBroker } from './brokers/redis.js';

it('R10 redis: broker kill -9 + restart, 0 acked lost, 0 duplicates', { skip: haveBinary('redis-server'), timeout: 180_000 }, async (t) => {
  await brokerKillTest(t, await RedisBroker.create(), (url) => openRedisLog({ url, prefix: 'r10' }));
});
