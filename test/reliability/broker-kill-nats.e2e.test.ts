/**
 * R10 on NATS JetStream (one node, file storage, R1): kill -9 the private server twice during 20k
 * publishes; again with exclusive groups (the group's lock lives on the killed server too).
 */
import { it } from 'node:test';
import { openNatsLog } from '../../src/backends/nats/index.js';
import { brokerKillTest, haveBinary } from './brokers/kill-test.js';
import { NatsBroker } from './brokers/nats.js';

it('R10 nats: broker kill -9 + restart, 0 acked lost, 0 duplicates', { skip: haveBinary('nats-server'), timeout: 180_000 }, async (t) => {
  await brokerKillTest(t, await NatsBroker.create(), (url) => openNatsLog({ servers: url, prefix: 'r10' }));
});

it('R10 nats, exclusive groups: broker kill -9 + restart, 0 acked lost, 0 duplicates', { skip: haveBinary('nats-server'), timeout: 180_000 }, async (t) => {
  await brokerKillTest(t, await NatsBroker.create(), (url) => openNatsLog({ servers: url, prefix: 'r10x', exclusiveGroups: true }));
});
