import { invalidArgument } from '../../core/errors.js';

export interface NatsLogOptions {
  /** Server URL(s), e.g. `nats://127.0.0.1:4222` or every node of a cluster (default `nats://127.0.0.1:4222`). */
  servers?: string | readonly string[];
  /**
   * Namespace of every stream and subject herald creates (default `herald`): streams are
   * `<prefix>_<topic>`, subjects `<prefix>.t.<topic>`. Several deployments can share one server.
   */
  prefix?: string;
  /** Replicas of every stream herald creates (1, 3 or 5 on a cluster; default 1). */
  replicas?: number;
  /**
   * The consumers' `ack_wait`: how long the server waits after a crashed process's last heartbeat
   * before it redelivers what that process held (default 30 000 ms). herald's own leases
   * (`fetch({ leaseMs })`) are enforced by the process; this is only the crash backstop.
   */
  ackWaitMs?: number;
  /** The streams' `duplicate_window`: how long an event id is remembered for idempotent appends (default 120 000 ms). */
  duplicateWindowMs?: number;
  /** Limit for one JetStream API call, publish or pull (default 5000 ms). */
  requestTimeoutMs?: number;
  /**
   * How often the client PINGs the server (default 5000 ms; the client library's own default is
   * 2 min). With `maxPingOut` unanswered PINGs the connection is taken for dead and replaced: a
   * connection silently lost in a partition is noticed in ~`pingIntervalMs` × (`maxPingOut` + 1).
   * The server answers PINGs at once whatever it is doing, so a busy server is not mistaken for a dead one.
   */
  pingIntervalMs?: number;
  /** Unanswered PINGs before the connection is dropped and reopened (default 2). */
  maxPingOut?: number;
  /** At most this many unacked messages per group on the server (`max_ack_pending`, default 10 000). */
  maxAckPending?: number;
  /**
   * Exclusive groups (default false; see docs/backends/nats.md): one process at a time consumes a group, the holder of the
   * group's lock (a compare-and-set record on the server, group-lock.ts); the others stand by and
   * take over within about `ackWaitMs` when it stops. This is what gives per-key order across
   * processes (`capabilities.keyOrder`): JetStream 2.9 hands messages to whoever pulls.
   */
  exclusiveGroups?: boolean;
  user?: string;
  pass?: string;
  token?: string;
  /** The connection name shown by the server's monitoring (default `herald`). */
  name?: string;
}

export interface ResolvedNatsOptions {
  servers: string[];
  prefix: string;
  replicas: number;
  ackWaitMs: number;
  duplicateWindowMs: number;
  requestTimeoutMs: number;
  pingIntervalMs: number;
  maxPingOut: number;
  maxAckPending: number;
  exclusiveGroups: boolean;
  user: string | undefined;
  pass: string | undefined;
  token: string | undefined;
  name: string;
}

/** No '_' and no '.': `<prefix>_` and `<prefix>.` then split one way. */
const PREFIX = /^[A-Za-z0-9][A-Za-z0-9-]{0,31}$/;

export function resolveNatsOptions(options: NatsLogOptions = {}): ResolvedNatsOptions {
  if (typeof options !== 'object' || options === null) throw invalidArgument('options must be an object', { field: 'options' });
  const servers = options.servers ?? 'nats://127.0.0.1:4222';
  const list = typeof servers === 'string' ? [servers] : Array.isArray(servers) ? [...servers] : [];
  if (list.length === 0 || !list.every((s) => typeof s === 'string' && s.length > 0)) {
    throw invalidArgument('servers must be a URL or a non-empty list of URLs', { field: 'servers' });
  }
  const prefix = options.prefix ?? 'herald';
  if (typeof prefix !== 'string' || !PREFIX.test(prefix)) {
    throw invalidArgument(`prefix must be 1-32 letters, digits or '-' starting with a letter or digit, got ${JSON.stringify(prefix)}`, { field: 'prefix' });
  }
  const int = (field: keyof NatsLogOptions, fallback: number, min: number, max: number): number => {
    const value = options[field] ?? fallback;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      throw invalidArgument(`${field} must be an integer from ${min} to ${max}, got ${JSON.stringify(value)}`, { field });
    }
    return value;
  };
  const text = (field: 'user' | 'pass' | 'token' | 'name'): string | undefined => {
    const value = options[field];
    // The value itself is never echoed: it may be a secret.
    if (value !== undefined && (typeof value !== 'string' || value.length === 0)) throw invalidArgument(`${field} must be a non-empty string`, { field });
    return value;
  };
  const flag = (field: 'exclusiveGroups'): boolean => {
    const value = options[field] ?? false;
    if (typeof value !== 'boolean') throw invalidArgument(`${field} must be true or false, got ${JSON.stringify(value)}`, { field });
    return value;
  };
  return {
    servers: list,
    prefix,
    replicas: int('replicas', 1, 1, 5),
    ackWaitMs: int('ackWaitMs', 30_000, 1_000, 3_600_000),
    duplicateWindowMs: int('duplicateWindowMs', 120_000, 1_000, 7 * 86_400_000),
    requestTimeoutMs: int('requestTimeoutMs', 5_000, 100, 600_000),
    pingIntervalMs: int('pingIntervalMs', 5_000, 500, 600_000),
    maxPingOut: int('maxPingOut', 2, 1, 100),
    maxAckPending: int('maxAckPending', 10_000, 1, 1_000_000),
    exclusiveGroups: flag('exclusiveGroups'),
    user: text('user'),
    pass: text('pass'),
    token: text('token'),
    name: text('name') ?? 'herald',
  };
}

/** A server URL fit for an error message: credentials in it are replaced by `***`. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}
