/**
 * R10 "refuses unsafe broker settings": against private brokers configured to lose acknowledged
 * writes on a crash, each adapter either labels itself not durable (`capabilities.durable` false)
 * or, with `requireDurable` (and always for a NATS memory-storage stream), refuses with
 * HERALD_E_UNSUPPORTED. RabbitMQ has no such setting herald could meet: its topics are streams,
 * always on disk (see docs/backends/rabbitmq.md).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connect } from '@nats-io/transport-node';
import pg from 'pg';
import { openNatsLog } from '../../src/backends/nats/index.js';
import { Layout } from '../../src/backends/nats/layout.js';
import { openPostgresLog } from '../../src/backends/postgres/index.js';
import { openRedisLog } from '../../src/backends/redis/index.js';
import { createEvent } from '../../src/core/envelope.js';
import { HeraldError } from '../../src/core/errors.js';
import { haveBinary } from './brokers/kill-test.js';
import { NatsBroker } from './brokers/nats.js';
import { PostgresBroker } from './brokers/postgres.js';
import { RedisBroker } from './brokers/redis.js';

const unsupported = (error: unknown): boolean => {
  assert.ok(error instanceof HeraldError, String(error));
  assert.equal(error.code, 'HERALD_E_UNSUPPORTED');
  assert.equal(error.details.capability, 'durable');
  return true;
};

describe('R10 redis: durability read from the server', { skip: haveBinary('redis-server') }, () => {
  const cases: { settings: string[]; durable: boolean }[] = [
    { settings: ['--appendonly', 'yes', '--appendfsync', 'always'], durable: true },
    { settings: ['--appendonly', 'yes', '--appendfsync', 'everysec'], durable: true },
    { settings: ['--appendonly', 'yes', '--appendfsync', 'no'], durable: false },
    { settings: ['--appendonly', 'no'], durable: false },
    { settings: ['--appendonly', 'yes', '--appendfsync', 'always', '--maxmemory-policy', 'allkeys-lru'], durable: false },
  ];
  for (const { settings, durable } of cases) {
    it(`${settings.join(' ')}: durable ${durable}${durable ? '' : ', refused with requireDurable'}`, async () => {
      const broker = await RedisBroker.create(settings);
      await broker.start();
      try {
        const log = await openRedisLog({ url: broker.url, prefix: 'r10' });
        assert.equal(log.capabilities.durable, durable, JSON.stringify(log.persistence));
        await log.close();
        if (durable) await (await openRedisLog({ url: broker.url, prefix: 'r10', requireDurable: true })).close();
        else await assert.rejects(openRedisLog({ url: broker.url, prefix: 'r10', requireDurable: true }), unsupported);
      } finally {
        await broker.stop();
      }
    });
  }
});

describe('R10 postgres: fsync and synchronous_commit read at open', { skip: haveBinary('/usr/local/bin/postgres') }, () => {
  let broker: PostgresBroker;
  const admin = async (sql: string): Promise<void> => {
    const client = new pg.Client({ connectionString: broker.url });
    await client.connect();
    try {
      await client.query(sql);
      await client.query('SELECT pg_reload_conf()');
    } finally {
      await client.end();
    }
  };
  before(async () => { broker = await PostgresBroker.create(); await broker.start(); });
  after(() => broker.stop());

  it('defaults (fsync on, synchronous_commit on): durable, and requireDurable opens', async () => {
    const log = await openPostgresLog({ connectionString: broker.url, schema: 'r10', requireDurable: true });
    assert.equal(log.capabilities.durable, true);
    assert.deepEqual(log.persistence, { durable: true, fsync: 'on', synchronousCommit: 'on' });
    await log.close();
  });

  for (const setting of ['synchronous_commit = off', 'fsync = off']) {
    it(`${setting}: labelled not durable; refused with requireDurable`, async () => {
      await admin(`ALTER SYSTEM SET ${setting}`);
      try {
        // A reload reaches new connections at once; the pool opens new ones.
        const log = await openPostgresLog({ connectionString: broker.url, schema: 'r10' });
        assert.equal(log.capabilities.durable, false, JSON.stringify(log.persistence));
        await log.close();
        await assert.rejects(openPostgresLog({ connectionString: broker.url, schema: 'r10', requireDurable: true }), unsupported);
      } finally {
        await admin('ALTER SYSTEM RESET ALL');
      }
    });
  }
});

describe('R10 nats: a memory-storage stream under herald\'s name is refused', { skip: haveBinary('nats-server') }, () => {
  it('append to a topic whose stream uses memory storage fails with HERALD_E_UNSUPPORTED', async () => {
    const broker = await NatsBroker.create();
    await broker.start();
    try {
      const layout = new Layout('r10');
      const nc = await connect({ servers: broker.url });
      const name = layout.stream('orders');
      const config = { name, subjects: [layout.subject('orders')], storage: 'memory', num_replicas: 1 };
      const reply = await nc.request(`$JS.API.STREAM.CREATE.${name}`, JSON.stringify(config));
      assert.ok(!('error' in (reply.json<Record<string, unknown>>())), reply.string());
      await nc.close();
      const log = await openNatsLog({ servers: broker.url, prefix: 'r10' });
      try {
        await assert.rejects(log.append('orders', [createEvent({ type: 'r10.test', data: {} })]), unsupported);
        const [ok] = await log.append('files', [createEvent({ type: 'r10.test', data: {} })]);
        assert.equal(ok?.position, 1, 'a topic herald created itself (file storage) works');
      } finally {
        await log.close();
      }
    } finally {
      await broker.stop();
    }
  });
});
