/** R10 on RabbitMQ (a private single node; herald's topics are streams): kill -9 it twice during 20k publishes. */
import { existsSync } from 'node:fs';
import { it } from 'node:test';
import { openRabbitLog } from '../../src/backends/rabbitmq/index.js';
import { brokerKillTest } from './brokers/kill-test.js';
import { RabbitBroker } from './brokers/rabbitmq.js';

const server = process.env.HERALD_RABBITMQ_SERVER ?? '/usr/lib/rabbitmq/bin/rabbitmq-server';
const skip = existsSync(server) ? false : `${server} is not installed; R10 starts a private RabbitMQ node with it`;
if (skip && process.env.CI === 'true') throw new Error(`CI=true and ${skip}`);

it('R10 rabbitmq: broker kill -9 + restart, 0 acked lost, 0 duplicates', { skip, timeout: 300_000 }, async (t) => {
  await brokerKillTest(t, await RabbitBroker.create(), (url) => openRabbitLog({ url, prefix: 'r10' }));
});
