import type { FastifyInstance } from 'fastify';
import type { EventLog } from '../log/types.js';
import { watchLog } from '../log/watched-log.js';
import { AuditLog } from '../security/audit.js';
import { JwtVerifier, type JwtOptions } from '../security/jwt.js';
import { KeyStore } from '../security/key-store.js';
import { buildApp, type AppOptions } from './app.js';
import { DEFAULT_LIMITS, Gateway, type Limits } from './gateway.js';
import { ServerGovernance, type GovernanceOptions } from './governance.js';
import { ServerWebhooks, type ServerWebhookOptions } from './webhooks.js';
import { routeTable } from './routes/index.js';
import type { RouteDef } from './route.js';
import { version } from './version.js';

export interface ServerOptions extends AppOptions {
  log: EventLog;
  /** No authentication at all: every request has every permission on the whole log. Never in production. */
  dev?: boolean;
  host?: string;
  /** 0 picks a free port (see `url`). */
  port?: number;
  limits?: Partial<Limits>;
  /** How often live streams and long polls look for appends by other processes (default 500 ms). */
  followPollMs?: number;
  /** How often retention is applied (default 60 s; 0: never). */
  retentionIntervalMs?: number;
  /** How often keys created or revoked elsewhere are picked up (default 1000 ms). */
  keyPollMs?: number;
  /** Close `log` when the server closes (default false: whoever opened it closes it). */
  ownsLog?: boolean;
  /** Browser origins allowed to call the API, e.g. ['https://console.example.com'] (default: any; keys are never sent by browsers on their own). */
  allowedOrigins?: readonly string[];
  /** How long `close()` lets requests in flight finish before it drops their connections (default 10 s). */
  drainTimeoutMs?: number;
  /**
   * Also accept JWT bearer tokens (HS256 with `hs256Secret`, EdDSA with `ed25519PublicKey`, or
   * both) besides API keys: `sub` names the caller, `tenant` its tenant, the `herald` claim its
   * permissions. See docs/server.md.
   */
  jwt?: JwtOptions;
  /**
   * Schema validation of published events (on by default for types with a registered schema)
   * and the signature policy (`signatures`: which topics need events signed by which keys).
   * See docs/governance.md.
   */
  governance?: GovernanceOptions;
  /** Outgoing webhooks: each sends one tenant's topic to an HTTP endpoint, signed. See docs/webhooks.md. */
  webhooks?: readonly ServerWebhookOptions[];
}

/** A running herald server. `close()` drains: nothing that was acknowledged is lost. */
export class HeraldServer {
  private closing: Promise<void> | undefined;

  constructor(
    readonly app: FastifyInstance,
    readonly gateway: Gateway,
    readonly routes: readonly RouteDef[],
    /** `http://127.0.0.1:<port>` */
    readonly url: string,
    private readonly retentionTimer: NodeJS.Timeout | undefined,
    private readonly ownsLog: boolean,
    private readonly drainTimeoutMs: number,
  ) {}

  get keys(): KeyStore | undefined {
    return this.gateway.keys;
  }

  /**
   * Stops taking new requests (503 with Retry-After), ends live streams (WebSocket 1001), lets
   * every request in flight finish — each publish that was answered 2xx is in the log — then
   * writes the pending audit entries and closes the log if it owns it.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.gateway.beginShutdown();
      if (this.retentionTimer) clearInterval(this.retentionTimer);
      // Keep-alive connections become idle as their last request finishes: close them then, not
      // after the keep-alive timeout. A client that never finishes cannot hold the shutdown hostage.
      const idle = setInterval(() => this.app.server.closeIdleConnections(), 50);
      const force = setTimeout(() => this.app.server.closeAllConnections(), this.drainTimeoutMs);
      try {
        await this.app.close();
      } finally {
        clearInterval(idle);
        clearTimeout(force);
      }
      await this.gateway.webhooks?.close();
      await this.gateway.audit.close();
      await this.gateway.keys?.close();
      await this.gateway.governance?.close();
      if (this.ownsLog) await this.gateway.log.close();
    })();
    return this.closing;
  }
}

export async function startServer(options: ServerOptions): Promise<HeraldServer> {
  const built: { app?: FastifyInstance } = {};
  // The stall watchdog: `/readyz` answers 503 naming the backend while a call to it hangs.
  const log = watchLog(options.log, { logger: { warn: (o, m) => built.app?.log.warn(o, m), info: (o, m) => built.app?.log.info(o, m) } });
  const limits: Limits = { ...DEFAULT_LIMITS, ...options.limits };
  const jwt = options.jwt === undefined ? undefined : new JwtVerifier(options.jwt);
  const keys = options.dev ? undefined : await KeyStore.open(log, { pollMs: options.keyPollMs ?? 1000 });
  const audit = new AuditLog(log, { onError: (error) => built.app?.log.error({ err: error }, 'audit entries could not be written') });
  const gateway = new Gateway(log, keys, audit, limits, version(), options.followPollMs ?? 500, options.allowedOrigins, jwt);
  gateway.governance = await ServerGovernance.open(log, options.governance);
  const routes = routeTable(gateway.version);
  const app = (built.app = await buildApp(gateway, routes, options));
  if (options.webhooks && options.webhooks.length > 0) {
    gateway.webhooks = await ServerWebhooks.start(log, options.webhooks, options.dev ?? false, { warn: (o, m) => app.log.warn(o, m) }).catch(async (error: unknown) => {
      await app.close();
      await Promise.all([audit.close(), keys?.close(), gateway.governance?.close()]);
      throw error;
    });
  }
  const address = await app.listen({ host: options.host ?? '127.0.0.1', port: options.port ?? 8080 });
  if (options.dev) app.log.warn('--dev mode: NO AUTHENTICATION. Anyone who can reach this port can read, publish and delete everything.');
  else if (jwt) app.log.info({ algorithms: jwt.algorithms }, 'accepting API keys and JWTs');
  const interval = options.retentionIntervalMs ?? 60_000;
  const timer = interval > 0 ? setInterval(() => void log.applyRetention().catch((error: unknown) => app.log.error({ err: error }, 'retention failed')), interval) : undefined;
  timer?.unref();
  return new HeraldServer(app, gateway, routes, address.replace('[::1]', 'localhost'), timer, options.ownsLog ?? false, options.drainTimeoutMs ?? 10_000);
}
