import { Redis } from 'ioredis';
import { asError } from '../errors.js';
import { decode, type BenchPayload } from '../payload.js';
import { Unavailable, type Channel, type ConsumeOptions, type Consumer, type Peer, type Producer } from './types.js';

const START = 'redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log';

const client = (): Redis => new Redis({
  host: '127.0.0.1', port: 6379, lazyConnect: true, enableAutoPipelining: true,
  maxRetriesPerRequest: 1, retryStrategy: () => null, connectTimeout: 3000,
});

/** `always`: fsync before each reply; `everysec`: fsync once a second (herald `os` is the like of it); `server`: as configured. */
export type RedisDurability = 'always' | 'everysec' | 'server';

const DURABILITY: Record<RedisDurability, string> = {
  always: 'AOF with appendfsync always: fsync before the reply (set for the run, then restored)',
  everysec: 'AOF with appendfsync everysec: written before the reply, fsync once a second (set for the run, then restored)',
  server: "the server's own settings (not changed)",
};

/**
 * Redis Streams through ioredis with auto-pipelining (every XADD of one tick goes out in one
 * write). The durable modes turn the AOF on with the given `appendfsync` for the run and restore
 * the server's previous settings at the end. Consuming: XREADGROUP (blocking, on its own
 * connection) + one XACK per batch on another.
 */
export class RedisPeer implements Peer {
  readonly id: string;
  readonly label: string;
  readonly client = 'ioredis 6, auto-pipelining; XREADGROUP COUNT n BLOCK + XACK per batch';
  readonly durability: string;
  readonly startCommand = START;
  private admin: Redis | undefined;
  private saved: [string, string][] = [];
  private serverVersion = '?';

  constructor(private readonly mode: RedisDurability = 'always') {
    this.id = mode === 'everysec' ? 'redis-everysec' : 'redis';
    this.label = mode === 'everysec' ? 'Redis Streams (everysec)' : 'Redis Streams';
    this.durability = DURABILITY[mode];
  }

  async open(): Promise<void> {
    const admin = client();
    try {
      await admin.connect();
      this.serverVersion = /redis_version:(\S+)/.exec(await admin.info('server'))?.[1] ?? '?';
    } catch (error) {
      admin.disconnect();
      throw new Unavailable(this.label, START, error);
    }
    this.admin = admin;
    if (this.mode === 'server') return;
    for (const key of ['appendonly', 'appendfsync']) {
      const [, value] = await admin.config('GET', key);
      this.saved.push([key, value ?? '']);
    }
    await admin.config('SET', 'appendfsync', this.mode);
    await admin.config('SET', 'appendonly', 'yes');
    await this.settle(); // turning the AOF on starts a rewrite; measure after it
  }

  version(): string {
    return this.serverVersion;
  }

  async channel(name: string): Promise<Channel> {
    return new RedisChannel(this.admin!, `bench:${name}`);
  }

  async close(): Promise<void> {
    if (!this.admin) return;
    for (const [key, value] of this.saved.reverse()) await this.admin.config('SET', key, value);
    this.saved = [];
    await this.admin.quit();
    this.admin = undefined;
  }

  private async settle(): Promise<void> {
    for (let i = 0; i < 600; i++) {
      const info = await this.admin!.info('persistence');
      if (/aof_rewrite_in_progress:0/.test(info) && /aof_rewrite_scheduled:0/.test(info)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

class RedisChannel implements Channel {
  constructor(private readonly admin: Redis, private readonly key: string) {}

  async producer(): Promise<Producer> {
    const c = client();
    await c.connect();
    const key = this.key;
    return {
      async publish(p: BenchPayload): Promise<void> {
        await c.xadd(key, '*', 'd', JSON.stringify(p));
      },
      async close(): Promise<void> {
        await c.quit();
      },
    };
  }

  async consume(options: ConsumeOptions): Promise<Consumer> {
    const { key } = this;
    await this.admin.xgroup('CREATE', key, options.group, '0', 'MKSTREAM').catch((error: unknown) => {
      if (!String(error).includes('BUSYGROUP')) throw error; // a second member of the group
    });
    const reader = client();
    const acker = client();
    await Promise.all([reader.connect(), acker.connect()]);
    let stopping = false;
    const acks = new Set<Promise<unknown>>();
    const loop = (async () => {
      while (!stopping) {
        const res = (await reader.xreadgroup('GROUP', options.group, 'bench', 'COUNT', options.inFlight, 'BLOCK', 100, 'STREAMS', key, '>')) as [string, [string, string[]][]][] | null;
        const entries = res?.[0]?.[1];
        if (!entries || entries.length === 0) continue;
        const ids: string[] = [];
        for (const [id, fields] of entries) {
          options.onEvent(decode(fields[1]!));
          ids.push(id);
        }
        const ack = acker.xack(key, options.group, ...ids);
        acks.add(ack);
        ack.then(() => acks.delete(ack), () => {}); // a failure surfaces in stop()
      }
    })();
    let failure: unknown;
    loop.catch((error: unknown) => { failure = error; });
    return {
      async stop(): Promise<void> {
        stopping = true;
        await loop.catch(() => {});
        await Promise.all(acks);
        if (failure !== undefined) throw asError(failure);
        await Promise.all([reader.quit(), acker.quit()]);
      },
    };
  }

  async replay(max: number, onEvent: (p: BenchPayload) => void): Promise<number> {
    let n = 0;
    let start = '-';
    while (n < max) {
      const page = await this.admin.xrange(this.key, start, '+', 'COUNT', Math.min(10_000, max - n));
      if (page.length === 0) break;
      for (const [, fields] of page) onEvent(decode(fields[1]!));
      n += page.length;
      start = `(${page[page.length - 1]![0]}`;
    }
    return n;
  }

  async close(): Promise<void> {
    await this.admin.del(this.key);
  }
}
