/** Shared by the redis backend's tests (not part of the public API). */
import { randomBytes } from 'node:crypto';
import { it } from 'node:test';
import { Redis } from 'ioredis';
import { requireService, SERVICE_URLS } from '../../../test/services.js';
import { openRedisLog } from './index.js';
import type { RedisLogOptions } from './options.js';
import type { RedisLog } from './redis-log.js';

export const REDIS_URL = SERVICE_URLS.redis;

/** True when the server is up; under CI a missing server fails loudly, elsewhere the caller registers a skip. */
export const redisUp = await requireService('redis');

/** Registers one skipped test naming how to start the server (when `redisUp` is false). */
export function skipWithoutRedis(what: string): void {
  it(`${what} (skipped: Redis is not reachable)`, { skip: 'Redis is not reachable; see test/services.ts for the start command' }, () => undefined);
}

/**
 * Key prefixes of one test run: `herald-t-<pid>-<random>:<n>`, so people testing on the same
 * server at once never meet; `removeAll` deletes every key the run made (SCAN + UNLINK).
 */
export class TestPrefixes {
  readonly run = `herald-t-${process.pid}-${randomBytes(3).toString('hex')}`;
  private count = 0;
  last = '';

  fresh(): string {
    this.last = `${this.run}:${++this.count}`;
    return this.last;
  }

  open(options: Partial<RedisLogOptions> = {}, prefix = this.fresh()): Promise<RedisLog> {
    return openRedisLog({ url: REDIS_URL, prefix, ...options });
  }

  async removeAll(): Promise<number> {
    const client = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await client.connect();
    let removed = 0;
    try {
      let cursor = '0';
      do {
        const [next, keys] = await client.scan(cursor, 'MATCH', `${this.run}:*`, 'COUNT', 1000);
        if (keys.length > 0) removed += await client.unlink(...keys);
        cursor = next;
      } while (cursor !== '0');
    } finally {
      await client.quit();
    }
    return removed;
  }
}
