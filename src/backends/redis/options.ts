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
  const connectTimeoutMs = options.connectTimeoutMs ?? 5000;
  if (typeof connectTimeoutMs !== 'number' || !Number.isInteger(connectTimeoutMs) || connectTimeoutMs < 1) {
    throw invalidArgument('connectTimeoutMs must be a positive integer', { field: 'connectTimeoutMs' });
  }
  const requireDurable = options.requireDurable ?? false;
  if (typeof requireDurable !== 'boolean') throw invalidArgument('requireDurable must be a boolean', { field: 'requireDurable' });
  return { url, prefix, clock, connectTimeoutMs, requireDurable };
}

/** The URL with its password (and a user-only credential) replaced by `***`, fit for messages. */
export function redactUrl(url: string): string {
  return url.replace(/^(rediss?:\/\/)([^@/]*)@/, (_m, scheme: string, auth: string) => {
    const colon = auth.indexOf(':');
    return `${scheme}${colon === -1 ? '***' : `${auth.slice(0, colon)}:***`}@`;
  });
}
