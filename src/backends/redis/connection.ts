import { Redis } from 'ioredis';
import { HeraldError } from '../../core/errors.js';
import { fromRedis } from './errors.js';
import { redactUrl, type ResolvedRedisOptions } from './options.js';

/** What the server's settings make of an acknowledged write. */
export interface Persistence {
  /** `appendonly yes` with `appendfsync always` or `everysec`, and no `allkeys-*` eviction policy. */
  durable: boolean;
  appendonly: string;
  appendfsync: string;
  /** An `allkeys-*` policy lets the server evict herald's keys (events, groups) when memory runs out. */
  maxmemoryPolicy: string;
}

/**
 * A connection silently lost (a partition that never sends a reset) is noticed by ioredis's
 * `socketTimeout`: with calls waiting and nothing received for `socketTimeoutMs`, the socket is
 * destroyed and reopened, the waiting calls resent on the new one. `commandTimeout` bounds each
 * call above that (a call still fails if reconnecting does not help). herald sends no blocking
 * command, so no legitimate call stays silent that long. `keepAlive` pings idle connections.
 */
export function createClient(options: ResolvedRedisOptions): Redis {
  const client = new Redis(options.url, {
    lazyConnect: true,
    enableAutoPipelining: true,
    connectTimeout: options.connectTimeoutMs,
    socketTimeout: options.socketTimeoutMs,
    commandTimeout: options.commandTimeoutMs,
    // A call fails (HERALD_E_UNAVAILABLE, retryable) instead of queueing for long while the server is away.
    maxRetriesPerRequest: 2,
    protocol: 2,
    connectionName: 'herald',
  });
  client.on('error', () => undefined); // failures reach the calls that meet them; no unhandled 'error' events
  keepAlive(client, options.keepAliveMs);
  return client;
}

/**
 * PINGs `client` every `everyMs` while it is ready, so that an idle connection (the onAppend
 * subscriber, which never sends anything) gets a call to wait for, and `socketTimeout` a silence
 * to notice. Valid in subscriber mode. Stops when the client ends.
 */
export function keepAlive(client: Redis, everyMs: number): void {
  const timer = setInterval(() => { if (client.status === 'ready') client.ping().catch(() => undefined); }, everyMs);
  timer.unref();
  client.once('end', () => clearInterval(timer));
}

/** Connects, or throws HERALD_E_UNAVAILABLE naming the server without its credentials. */
export async function connect(client: Redis, options: ResolvedRedisOptions): Promise<void> {
  try {
    await client.connect();
  } catch (error) {
    client.disconnect();
    const reason = fromRedis(error, 'connecting');
    if (reason instanceof HeraldError && reason.code !== 'HERALD_E_UNAVAILABLE') throw reason;
    throw new HeraldError('HERALD_E_UNAVAILABLE', `redis: cannot connect to ${redactUrl(options.url)}: ${(error as Error).message}`, { cause: error });
  }
}

/** `requireDurable` and a server whose settings can lose acknowledged writes. */
export function refuseUnsafe(p: Persistence, url: string): HeraldError {
  return new HeraldError('HERALD_E_UNSUPPORTED',
    `redis at ${redactUrl(url)}: requireDurable, but appendonly = ${p.appendonly}, appendfsync = ${p.appendfsync}, maxmemory-policy = ${p.maxmemoryPolicy}: acknowledged appends could be lost on a crash`,
    { details: { capability: 'durable', appendonly: p.appendonly, appendfsync: p.appendfsync, maxmemoryPolicy: p.maxmemoryPolicy } });
}

/** Herald's scripts need Redis 7.0 (XCLAIM drops deleted entries from the PEL; XINFO GROUPS fields). */
export async function checkServer(client: Redis): Promise<Persistence> {
  const info = await client.info('server');
  const version = /redis_version:(\d+)\.(\d+)/.exec(info);
  if (!version || Number(version[1]) < 7) {
    throw new HeraldError('HERALD_E_UNSUPPORTED', `redis: herald needs Redis 7.0 or later, the server is ${version ? `${version[1]}.${version[2]}` : 'of an unknown version'}`);
  }
  return persistence(client);
}

async function persistence(client: Redis): Promise<Persistence> {
  const setting = async (name: string): Promise<string> => (await client.config('GET', name))[1] ?? '';
  try {
    const [appendonly, appendfsync, maxmemoryPolicy] = await Promise.all([setting('appendonly'), setting('appendfsync'), setting('maxmemory-policy')]);
    const synced = appendonly === 'yes' && (appendfsync === 'always' || appendfsync === 'everysec');
    return { durable: synced && !maxmemoryPolicy.startsWith('allkeys'), appendonly, appendfsync, maxmemoryPolicy };
  } catch {
    // Managed services often refuse CONFIG; INFO still tells whether the AOF is on (the fsync policy is then taken
    // to be the default, everysec) and which eviction policy runs.
    const info = await client.info('persistence') + await client.info('memory');
    const aof = /aof_enabled:(\d)/.exec(info)?.[1] === '1';
    const maxmemoryPolicy = /maxmemory_policy:(\S+)/.exec(info)?.[1] ?? 'unknown';
    return { durable: aof && !maxmemoryPolicy.startsWith('allkeys'), appendonly: aof ? 'yes' : 'no', appendfsync: 'unknown', maxmemoryPolicy };
  }
}
