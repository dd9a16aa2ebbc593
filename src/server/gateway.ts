import type { EventLog } from '../log/types.js';
import type { AuditLog } from '../security/audit.js';
import type { JwtVerifier } from '../security/jwt.js';
import type { KeyStore } from '../security/key-store.js';
import { RateLimiter, type RateOptions } from '../security/rate-limit.js';
import { TenantLog } from '../security/tenant-log.js';
import type { Principal } from './principal.js';
import type { ServerGovernance } from './governance.js';
import type { ServerWebhooks } from './webhooks.js';
import { CLOSE, Streams } from './streams.js';

export interface Limits {
  /** Largest request body in bytes (default 1 MiB); larger ones get 413 before they are read. */
  bodyLimit: number;
  /** Requests per key (default 2,000/s, bursts of 4,000); `false` turns it off. */
  rate: RateOptions | false;
  /** Failed authentications per client address (default 10/s, bursts of 50). */
  authFailures: RateOptions;
  /** Open SSE and WebSocket streams per key (default 32). */
  streamsPerKey: number;
  /** Largest WebSocket frame a client may send (default and at most 1 MiB). */
  wsMaxPayload: number;
  /** Bytes a stream may have waiting for a slow client before it is closed (default 1 MiB). */
  sendBuffer: number;
  /** How long a stream waits for a slow client to drain before it is closed (default 10 s). */
  sendTimeoutMs: number;
}

export const DEFAULT_LIMITS: Limits = {
  bodyLimit: 1024 * 1024,
  rate: { perSecond: 2_000, burst: 4_000 },
  authFailures: { perSecond: 10, burst: 50 },
  streamsPerKey: 32,
  wsMaxPayload: 1024 * 1024,
  sendBuffer: 1024 * 1024,
  sendTimeoutMs: 10_000,
};

/** What every request handler shares: the log, keys, audit trail, limits and live streams. */
export class Gateway {
  readonly streams: Streams;
  readonly rate: RateLimiter | undefined;
  readonly authFailures: RateLimiter;
  private readonly views = new Map<string, TenantLog>();
  private readonly shutdown = new AbortController();
  private readonly unrevoke: (() => void) | undefined;
  /** Schema registry, schema validation and signature policy of published events (set by startServer). */
  governance: ServerGovernance | undefined;
  /** Outgoing webhooks (set by startServer when any are configured). */
  webhooks: ServerWebhooks | undefined;

  constructor(
    readonly log: EventLog,
    readonly keys: KeyStore | undefined,
    readonly audit: AuditLog,
    readonly limits: Limits,
    readonly version: string,
    /** How often live streams look for events appended by other processes (ms). */
    readonly followPollMs: number,
    /** Browser origins allowed to call (an `Origin` header outside the list gets 403); undefined: any. */
    readonly allowedOrigins?: readonly string[],
    /** Accepts JWT bearer tokens besides API keys (undefined: API keys only). */
    readonly jwt?: JwtVerifier,
  ) {
    this.streams = new Streams(limits.streamsPerKey);
    this.rate = limits.rate === false ? undefined : new RateLimiter(limits.rate);
    this.authFailures = new RateLimiter(limits.authFailures);
    this.unrevoke = keys?.onRevoke((id) => this.streams.closeKey(id, CLOSE.policy, 'key revoked'));
  }

  get dev(): boolean {
    return this.keys === undefined;
  }

  /** Aborted when the server starts shutting down: live streams end, long waits stop. */
  get closing(): AbortSignal {
    return this.shutdown.signal;
  }

  /** The principal's view of the log: its tenant's namespace, or the whole log in --dev mode. */
  viewFor(principal: Principal): EventLog {
    if (principal.tenant === undefined) return this.log;
    let view = this.views.get(principal.tenant);
    if (!view) this.views.set(principal.tenant, (view = new TenantLog(this.log, principal.tenant)));
    return view;
  }

  beginShutdown(): void {
    this.shutdown.abort();
    this.unrevoke?.();
    this.streams.closeAll(CLOSE.goingAway, 'server shutting down');
  }
}
