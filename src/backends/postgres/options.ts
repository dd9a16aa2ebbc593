import type { Clock } from '../../core/clock.js';
import { invalidArgument } from '../../core/errors.js';
import { assertStreamTopicOption, type StreamTopic } from '../../log/stream-checks.js';

export interface PostgresLogOptions {
  /** `postgres://user:password@host:port/database` (libpq URL; `?sslmode=...` and friends work). */
  connectionString: string;
  /**
   * The PostgreSQL schema holding herald's tables (default `herald`); created with its tables by
   * versioned migrations. Several herald deployments can share one database under different schemas.
   */
  schema?: string;
  /** Connections in this log's pool (default 5). LISTEN uses one more, opened on the first onAppend. */
  poolSize?: number;
  /** How long to wait for a connection to the server before HERALD_E_UNAVAILABLE (default 5000 ms). */
  connectTimeoutMs?: number;
  /**
   * Client-side limit of one query (default 15,000 ms; 0: none). A query unanswered for this long
   * fails with HERALD_E_UNAVAILABLE (outcome unknown) and its connection is destroyed, not reused:
   * the only way to notice a connection silently lost in a network partition (TCP keepalive alone
   * takes ~11 min on Linux). Keep it above your slowest legitimate query (herald's appends, fetches
   * and retention chunks take milliseconds; schema migrations are never limited).
   */
  queryTimeoutMs?: number;
  /**
   * How often the LISTEN connection (onAppend wake-ups) is checked with a `SELECT 1`, and the TCP
   * keepalive delay of every connection (default 5000 ms).
   */
  keepAliveMs?: number;
  /**
   * Time source for append times, leases and retention. Default: the database server's clock, so
   * every process leases by the same clock (tests pass a virtual clock).
   */
  clock?: Clock;
  /** The topic of a new event-sourced stream (default: its category, `order` for `order-123`). */
  streamTopic?: StreamTopic;
  /**
   * Refuse to open (HERALD_E_UNSUPPORTED) when the server's settings can lose acknowledged
   * appends (`fsync = off`, `synchronous_commit = off`). Default false: the log opens and
   * reports `capabilities.durable: false`.
   */
  requireDurable?: boolean;
}

export interface ResolvedOptions {
  connectionString: string;
  schema: string;
  poolSize: number;
  connectTimeoutMs: number;
  queryTimeoutMs: number;
  keepAliveMs: number;
  clock: Clock | undefined;
  streamTopic: StreamTopic | undefined;
  requireDurable: boolean;
}

/** Lower-case identifiers only: no quoting surprises, and `herald:<schema>` stays a valid NOTIFY channel. */
const SCHEMA = /^[a-z_][a-z0-9_]{0,47}$/;

export function resolveOptions(options: PostgresLogOptions): ResolvedOptions {
  if (typeof options !== 'object' || options === null) throw invalidArgument('options must be an object', { field: 'options' });
  const { connectionString } = options;
  if (typeof connectionString !== 'string' || !/^postgres(ql)?:\/\//.test(connectionString)) {
    throw invalidArgument('connectionString must be a postgres:// or postgresql:// URL', { field: 'connectionString' });
  }
  const schema = options.schema ?? 'herald';
  if (typeof schema !== 'string' || !SCHEMA.test(schema) || schema.startsWith('pg_')) {
    throw invalidArgument(`schema must be 1-48 lower-case letters, digits or '_' starting with a letter or '_' (not pg_), got ${JSON.stringify(schema)}`, { field: 'schema' });
  }
  const int = (name: 'poolSize' | 'connectTimeoutMs' | 'queryTimeoutMs' | 'keepAliveMs', fallback: number, min: number, max: number): number => {
    const value = options[name] ?? fallback;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      throw invalidArgument(`${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(value)}`, { field: name });
    }
    return value;
  };
  const clock = options.clock;
  if (clock !== undefined && (typeof clock !== 'object' || clock === null || typeof clock.now !== 'function')) {
    throw invalidArgument('clock must have a now() method', { field: 'clock' });
  }
  assertStreamTopicOption(options.streamTopic);
  const requireDurable = options.requireDurable ?? false;
  if (typeof requireDurable !== 'boolean') throw invalidArgument('requireDurable must be a boolean', { field: 'requireDurable' });
  return {
    connectionString,
    schema,
    poolSize: int('poolSize', 5, 1, 1000),
    connectTimeoutMs: int('connectTimeoutMs', 5000, 1, 600_000),
    queryTimeoutMs: int('queryTimeoutMs', 15_000, 0, 3_600_000),
    keepAliveMs: int('keepAliveMs', 5000, 1000, 600_000),
    clock,
    streamTopic: options.streamTopic,
    requireDurable,
  };
}

/** The URL with any password replaced, for messages and logs. */
export function redact(connectionString: string): string {
  try {
    const url = new URL(connectionString);
    if (url.password !== '') url.password = '***';
    for (const key of [...url.searchParams.keys()]) if (/pass|secret|key/i.test(key)) url.searchParams.set(key, '***');
    return url.toString();
  } catch {
    return 'postgres://(unparseable URL)';
  }
}
