import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';
import { openNatsLog } from '../../src/backends/nats/index.js';
import { deleteStreams } from '../../src/backends/nats/test-helpers.js';
import { openPostgresLog } from '../../src/backends/postgres/index.js';
import { dropRabbitNamespace, openRabbitLog } from '../../src/backends/rabbitmq/index.js';
import { openRedisLog } from '../../src/backends/redis/index.js';
import type { EventLog } from '../../src/log/types.js';
import { HeraldChannel } from './herald.js';
import { Unavailable, type Channel, type Peer } from './types.js';

const PG_URL = 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = 'redis://127.0.0.1:6379';
const AMQP_URL = 'amqp://guest:guest@127.0.0.1:5672';

/** How herald opens a log on one backend, in a namespace of its own, and removes it afterwards. */
interface Backend {
  label: string;
  durability: string;
  open(namespace: string): Promise<EventLog>;
  drop(namespace: string): Promise<void>;
}

const BACKENDS: Record<string, Backend> = {
  postgres: {
    label: 'herald on PostgreSQL',
    durability: 'committed (WAL flushed) before the ack',
    open: (ns) => openPostgresLog({ connectionString: PG_URL, schema: ns, poolSize: 8 }),
    drop: async (ns) => {
      const client = new pg.Client({ connectionString: PG_URL });
      await client.connect();
      try { await client.query(`DROP SCHEMA IF EXISTS "${ns}" CASCADE`); } finally { await client.end(); }
    },
  },
  redis: {
    label: 'herald on Redis Streams',
    durability: "the server's persistence settings (read at open)",
    open: (ns) => openRedisLog({ url: REDIS_URL, prefix: ns }),
    drop: async (ns) => {
      const client = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
      await client.connect();
      try {
        let cursor = '0';
        do {
          const [next, keys] = await client.scan(cursor, 'MATCH', `${ns}:*`, 'COUNT', 1000);
          if (keys.length > 0) await client.unlink(...keys);
          cursor = next;
        } while (cursor !== '0');
      } finally {
        await client.quit();
      }
    },
  },
  nats: {
    label: 'herald on NATS JetStream',
    durability: 'stream ack (JetStream file store: written, fsync within its sync interval)',
    open: (ns) => openNatsLog({ servers: '127.0.0.1:4222', prefix: ns }),
    drop: async (ns) => { await deleteStreams([ns], '127.0.0.1:4222'); },
  },
  rabbitmq: {
    label: 'herald on RabbitMQ streams',
    durability: 'publisher confirm from the stream (replicated, not fsync\'d per write on one node)',
    open: (ns) => openRabbitLog({ url: AMQP_URL, prefix: ns }),
    drop: (ns) => dropRabbitNamespace({ url: AMQP_URL, prefix: ns }),
  },
};

export const HERALD_ON = Object.keys(BACKENDS).map((b) => `herald-${b}`);

/**
 * herald's own API (one append per event, subscribe, read) on a scale-out backend: the row that
 * shows what herald costs over the raw client on the same server.
 */
export class HeraldOnPeer implements Peer {
  readonly id: string;
  readonly label: string;
  readonly client = 'herald EventLog; one append() per event, subscribe() with batched acks';
  readonly durability: string;
  private readonly backend: Backend;
  private readonly run = `hb${randomBytes(3).toString('hex')}`;
  private count = 0;

  constructor(name: string) {
    const backend = BACKENDS[name];
    if (!backend) throw new Error(`no herald backend ${name} (known: ${Object.keys(BACKENDS).join(', ')})`);
    this.backend = backend;
    this.id = `herald-${name}`;
    this.label = backend.label;
    this.durability = backend.durability;
  }

  async open(): Promise<void> {
    const ns = `${this.run}probe`;
    try {
      await (await this.backend.open(ns)).close();
      await this.backend.drop(ns);
    } catch (error) {
      throw new Unavailable(this.label, undefined, error);
    }
  }

  version(): string {
    return 'herald 0.1';
  }

  async channel(): Promise<Channel> {
    const ns = `${this.run}c${++this.count}`;
    const log = await this.backend.open(ns);
    return new HeraldChannel(log, () => this.backend.drop(ns));
  }

  async close(): Promise<void> {}
}
