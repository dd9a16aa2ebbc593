import type { Clock } from '../../core/clock.js';
import { invalidArgument } from '../../core/errors.js';

export interface RabbitLogOptions {
  /** `amqp://user:password@host:5672/vhost` (or `amqps://`). The password never appears in errors. */
  url: string;
  /**
   * Namespace on a shared server: every stream herald creates is named `<prefix>.…`
   * (1-40 letters, digits, '_' or '-', starting with a letter or digit; default `herald`).
   */
  prefix?: string;
  /** Time source for append times, leases, delays and retention (tests pass a virtual clock). */
  clock?: Clock;
  /**
   * Physical retention of each topic's data stream, set when herald declares it (RabbitMQ cannot
   * change it afterwards except by policy): `maxAge` as RabbitMQ spells it (`7D`, `12h`),
   * `maxLengthBytes`. herald's own retention (`setRetention`) is logical and works on top.
   */
  streamRetention?: { maxAge?: string; maxLengthBytes?: number };
  /** How many recent event bodies each topic keeps in memory to serve fetches without a stream read (default 10,000). */
  cacheEvents?: number;
  /** Give up on an operation after this many ms (default 30,000). */
  timeoutMs?: number;
  /**
   * Give up on a connection attempt (TCP and the AMQP handshake) after this many ms (default
   * 10,000, at most `timeoutMs`): a reconnection into a partition that still lasts fails soon
   * enough for the next attempt to find the network back.
   */
  connectTimeoutMs?: number;
  /**
   * The AMQP heartbeat asked of the broker, in seconds (default 5; the broker's own default is 60).
   * A connection that receives nothing for two heartbeats is taken for dead and replaced, so one
   * silently lost in a partition is noticed in ~10-15 s. Heartbeats are answered by the broker's
   * connection process whatever the queues do, and amqplib counts any frame as one, so a long
   * publish or a slow stream read does not trip it. A `heartbeat` parameter in `url` wins.
   */
  heartbeatSeconds?: number;
  /**
   * A snapshot of each topic's group state every this many control records (default 10,000):
   * opening a topic replays its control stream from the latest snapshot, not from the start.
   */
  snapshotEvery?: number;
}

export interface ResolvedOptions {
  url: string;
  prefix: string;
  clock: Clock | undefined;
  streamArguments: Record<string, unknown>;
  cacheEvents: number;
  timeoutMs: number;
  connectTimeoutMs: number;
  heartbeatSeconds: number;
  snapshotEvery: number;
}

const PREFIX = /^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$/;
const AGE = /^\d+(Y|M|D|h|m|s)$/;

function positiveInt(value: unknown, field: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) throw invalidArgument(`${field} must be a positive integer`, { field });
  return value;
}

function heartbeat(value: unknown): number {
  const seconds = positiveInt(value, 'heartbeatSeconds', 5);
  if (seconds > 600) throw invalidArgument('heartbeatSeconds must be at most 600', { field: 'heartbeatSeconds' });
  return seconds;
}

export function resolveOptions(options: RabbitLogOptions): ResolvedOptions {
  if (typeof options !== 'object' || options === null) throw invalidArgument('options must be an object with a url', { field: 'options' });
  const { url } = options;
  if (typeof url !== 'string' || !/^amqps?:\/\/[^\s]+$/.test(url)) throw invalidArgument('url must be an amqp:// or amqps:// URL', { field: 'url' });
  const prefix = options.prefix ?? 'herald';
  if (typeof prefix !== 'string' || !PREFIX.test(prefix)) {
    throw invalidArgument("prefix must be 1-40 letters, digits, '_' or '-' starting with a letter or digit", { field: 'prefix' });
  }
  if (options.clock !== undefined && typeof options.clock?.now !== 'function') throw invalidArgument('clock must have a now() method', { field: 'clock' });
  const streamArguments: Record<string, unknown> = { 'x-queue-type': 'stream' };
  const retention = options.streamRetention;
  if (retention !== undefined) {
    if (typeof retention !== 'object' || retention === null) throw invalidArgument('streamRetention must be an object', { field: 'streamRetention' });
    if (retention.maxAge !== undefined) {
      if (typeof retention.maxAge !== 'string' || !AGE.test(retention.maxAge)) {
        throw invalidArgument("streamRetention.maxAge must be a number and a unit (Y, M, D, h, m, s), e.g. '7D'", { field: 'streamRetention.maxAge' });
      }
      streamArguments['x-max-age'] = retention.maxAge;
    }
    if (retention.maxLengthBytes !== undefined) {
      streamArguments['x-max-length-bytes'] = positiveInt(retention.maxLengthBytes, 'streamRetention.maxLengthBytes', 0);
    }
  }
  const timeoutMs = positiveInt(options.timeoutMs, 'timeoutMs', 30_000);
  return {
    url,
    prefix,
    clock: options.clock,
    streamArguments,
    cacheEvents: positiveInt(options.cacheEvents, 'cacheEvents', 10_000),
    timeoutMs,
    connectTimeoutMs: positiveInt(options.connectTimeoutMs, 'connectTimeoutMs', Math.min(10_000, timeoutMs)),
    heartbeatSeconds: heartbeat(options.heartbeatSeconds),
    snapshotEvery: positiveInt(options.snapshotEvery, 'snapshotEvery', 10_000),
  };
}
