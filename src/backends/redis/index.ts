import { RedisLog } from './redis-log.js';
import type { RedisLogOptions } from './options.js';

export { RedisLog } from './redis-log.js';
export type { RedisLogOptions } from './options.js';
export type { Persistence } from './connection.js';

/** Connects to Redis (7.0 or later) and opens the log on Redis Streams under `options.prefix`. */
export async function openRedisLog(options: RedisLogOptions = {}): Promise<RedisLog> {
  return RedisLog.open(options);
}
