import { HeraldError } from '../core/errors.js';
import type { EventLog } from '../log/types.js';
import { TenantLog } from '../security/tenant-log.js';
import { startWebhook, type Webhook, type WebhookOptions, type WebhookStatus } from '../webhooks/index.js';

/** One endpoint the server sends to: the webhook options, and the tenant whose topic it reads. */
export interface ServerWebhookOptions extends Omit<WebhookOptions, 'onDisabled' | 'onError'> {
  /** Whose topic: `default` unless said; in --dev mode, absent means the raw log. */
  tenant?: string;
}

interface Endpoint { tenant: string | undefined; webhook: Webhook; view: EventLog }

type Logger = { warn: (o: object, m: string) => void };

/**
 * The server's outgoing webhooks: each reads its tenant's topic through a consumer group of its
 * own and records its state on the tenant's `webhooks` topic. Listed and switched on or off per
 * tenant through `/v1/webhooks`.
 */
export class ServerWebhooks {
  private constructor(private readonly endpoints: readonly Endpoint[]) {}

  static async start(log: EventLog, configs: readonly ServerWebhookOptions[], dev: boolean, logger: Logger): Promise<ServerWebhooks> {
    const started: Endpoint[] = [];
    try {
      for (const { tenant: given, ...options } of configs) {
        const tenant = given ?? (dev ? undefined : 'default');
        if (started.some((e) => e.tenant === tenant && e.webhook.status().name === options.name)) {
          throw new HeraldError('HERALD_E_INVALID_ARGUMENT', `two webhooks are named ${options.name}${tenant ? ` in tenant ${tenant}` : ''}`, { details: { field: 'webhooks.name' } });
        }
        // Events go out as stored (PII stays encrypted); a tenant's view is its own, closed with it.
        const view = tenant === undefined ? log : new TenantLog(log, tenant);
        const webhook = await startWebhook(view, {
          ...options,
          onDisabled: (s) => logger.warn({ webhook: s.name, tenant, url: s.url }, `webhook disabled: ${s.reason ?? ''}`),
          onError: (error) => logger.warn({ webhook: options.name, tenant, err: error }, 'webhook delivery failed'),
        });
        started.push({ tenant, webhook, view });
      }
    } catch (error) {
      await new ServerWebhooks(started).close();
      throw error;
    }
    return new ServerWebhooks(started);
  }

  /** The tenant's endpoints (every endpoint in --dev mode, where `tenant` is undefined). */
  list(tenant: string | undefined): (WebhookStatus & { tenant?: string })[] {
    return this.endpoints.filter((e) => tenant === undefined || e.tenant === tenant)
      .map((e) => ({ ...e.webhook.status(), ...(e.tenant === undefined ? {} : { tenant: e.tenant }) }));
  }

  get(tenant: string | undefined, name: string): Webhook {
    const found = this.endpoints.find((e) => (tenant === undefined || e.tenant === tenant) && e.webhook.status().name === name);
    if (!found) throw new HeraldError('HERALD_E_NOT_FOUND', `no webhook named ${name}`, { details: { webhook: name } });
    return found.webhook;
  }

  async close(): Promise<void> {
    await Promise.all(this.endpoints.map(async (e) => {
      await e.webhook.close();
      if (e.view instanceof TenantLog) await e.view.close();
    }));
  }
}
