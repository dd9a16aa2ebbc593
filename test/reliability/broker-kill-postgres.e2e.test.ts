/** R10 on PostgreSQL (fsync and synchronous_commit on): kill -9 the private server twice during 20k publishes. */
import { it } from 'node:test';
import { openPostgresLog } from '../../src/backends/postgres/index.js';
import { brokerKillTest, haveBinary } from './brokers/kill-test.js';
import { PostgresBroker } from './brokers/postgres.js';

it('R10 postgres: broker kill -9 + restart, 0 acked lost, 0 duplicates', { skip: haveBinary('/usr/local/bin/postgres'), timeout: 180_000 }, async (t) => {
  await brokerKillTest(t, await PostgresBroker.create(), (url) => openPostgresLog({ connectionString: url, schema: 'r10' }));
});
