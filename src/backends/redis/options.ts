import type { Clock } from '../../core/clock.js';
import { invalidArgument } from '../../core/errors.js';

export interface RedisLogOptions {
  /** `redis://[user:password@]host:port[/db]`, or `rediss://` for TLS (default `redis://127.0.0.1:6379`). */
  url?: string;
  /** Namespace of every key, so several herald deployments (or test runs) share one server (default `herald`). */
  prefix?: string;
  /** Time source for append times, leases and retention. Default: the Redis server's clock (`TIME`), shared by every process. */
  clock?: Clock;
  /** How long opening waits for the server, in ms (default 5000). */
  connectTimeoutMs?: number;
  /**
   * While calls wait for answers, how long the connection may stay silent before it is taken for
   * dead, destroyed and reopened (default 15,000 ms). The waiting calls are sent again on the new
   * connection (appends are deduplicated by id, settles fenced by lease). herald never sends a
   * blocking command and its scripts run in milliseconds, so only a lost connection stays this quiet.
   */
  socketTimeoutMs?: number;
  /** A call not answered within this many ms fails with HERALD_E_UNAVAILABLE, outcome unknown (default 30,000: above `socketTimeoutMs` and a reconnect). */
  commandTimeoutMs?: number;
  /** An idle connection (the subscriber for onAppend, a quiet log) is checked with a PING this often (default 5000 ms). */
  keepAliveMs?: number;
  /**
   * Refuse to open (HERALD_E_UNSUPPORTED) when the server's settings can lose acknowledged
   * appends (no AOF, `appendfsync no`, an `allkeys-*` eviction policy). Default false: the log
   * opens and reports `capabilities.durable: false`.
   */
  requireDurable?: boolean;
}

export interface ResolvedRedisOptions {
  url: string;
  prefix: string;
  clock: Clock | undefined;
  connectTimeoutMs: number;
  socketTimeoutMs: number;
  commandTimeoutMs: number;
  keepAliveMs: number;
  requireDurable: boolean;
}

// No braces (they would change the cluster hash tag) and nothing a glob in SCAN MATCH treats specially.
const PREFIX = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/;

export function resolveOptions(options: RedisLogOptions = {}): ResolvedRedisOptions {
  if (typeof options !== 'object' || options === null) throw invalidArgument('options must be an object', { field: 'options' });
  const url = options.url ?? 'redis://127.0.0.1:6379';
  if (typeof url !== 'string' || !/^rediss?:\/\/[^\s]+$/.test(url)) {
    throw invalidArgument('url must be a redis:// or rediss:// URL', { field: 'url' });
  }
  const prefix = options.prefix ?? 'herald';
  if (typeof prefix !== 'string' || !PREFIX.test(prefix)) {
    throw invalidArgument(`prefix must be 1-100 letters, digits, '.', '_', ':' or '-' starting with a letter or digit, got ${JSON.stringify(prefix)}`, { field: 'prefix' });
  }
  const clock = options.clock;
  if (clock !== undefined && typeof clock?.now !== 'function') throw invalidArgument('clock must have a now() method', { field: 'clock' });
  const ms = (field: 'connectTimeoutMs' | 'socketTimeoutMs' | 'commandTimeoutMs' | 'keepAliveMs', fallback: number, min = 1): number => {
    const value = options[field] ?? fallback;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > 3_600_000) {
      throw invalidArgument(`${field} must be an integer from ${min} to 3600000 (ms)`, { field });
    }
    return value;
  };
  const connectTimeoutMs = ms('connectTimeoutMs', 5000);
  const socketTimeoutMs = ms('socketTimeoutMs', 15_000, 1000);
  const commandTimeoutMs = ms('commandTimeoutMs', 30_000, 1000);
  const keepAliveMs = ms('keepAliveMs', 5000, 1000);
  const requireDurable = options.requireDurable ?? false;
  if (typeof requireDurable !== 'boolean') throw invalidArgument('requireDurable must be a boolean', { field: 'requireDurable' });
  return { url, prefix, clock, connectTimeoutMs, socketTimeoutMs, commandTimeoutMs, keepAliveMs, requireDurable };
}

/** The URL with its password (and a user-only credential) replaced by `***`, fit for messages. */
export function redactUrl(url: string): string {
  return url.replace(/^(rediss?:\/\/)([^@/]*)@/, (_m, scheme: string, auth: string) => {
    const colon = auth.indexOf(':');
    return `${scheme}${colon === -1 ? '***' : `${auth.slice(0, colon)}:***`}@`;
  });
}
