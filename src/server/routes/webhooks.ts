import { HeraldError } from '../../core/errors.js';
import { paramsOf, type RequestContext, type RouteDef } from '../route.js';
import type { ServerWebhooks } from '../webhooks.js';

function webhooksOf(ctx: RequestContext): ServerWebhooks {
  const hooks = ctx.gateway.webhooks;
  if (!hooks) throw new HeraldError('HERALD_E_NOT_FOUND', 'this server sends no webhooks (configure them under "webhooks" in the config file)');
  return hooks;
}

/** The tenant's outgoing webhooks: their state, and switching one off and on again. */
export function webhookRoutes(): RouteDef[] {
  const toggle = (id: string, verb: 'enable' | 'disable', summary: string): RouteDef => ({
    id, method: 'POST', url: `/v1/webhooks/:name/${verb}`, tag: 'admin', permission: { kind: 'tenant', action: 'admin' }, summary,
    response: '{ name, topic, url, state, reason? }',
    handler: async (req, _reply, ctx) => {
      const { name } = paramsOf(req) as { name: string };
      const hook = webhooksOf(ctx).get(ctx.principal.tenant, name);
      if (verb === 'enable') await hook.enable();
      else await hook.disable(`disabled through the API${ctx.principal.keyId ? ` by ${ctx.principal.keyId}` : ''}`);
      return hook.status();
    },
  });
  return [
    {
      id: 'listWebhooks', method: 'GET', url: '/v1/webhooks', tag: 'admin', permission: { kind: 'tenant', action: 'admin' },
      summary: 'The tenant\'s outgoing webhooks: name, topic, URL (without its query), and whether each is active or disabled (and why).',
      response: '{ webhooks: [{ name, topic, url, state, reason? }] }',
      handler: async (_req, _reply, ctx) => ({ webhooks: ctx.gateway.webhooks?.list(ctx.principal.tenant) ?? [] }),
    },
    toggle('enableWebhook', 'enable', 'Sends to a disabled endpoint again, from where its consumer group stopped (what was published meanwhile is delivered).'),
    toggle('disableWebhook', 'disable', 'Stops sending to an endpoint; its events wait in its consumer group until it is enabled.'),
  ];
}
