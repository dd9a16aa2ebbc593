import { HeraldError, invalidArgument } from '../../core/errors.js';
import type { KeyStore } from '../../security/key-store.js';
import { jsonBody } from '../params.js';
import { paramsOf, type RequestContext, type RouteDef } from '../route.js';

function store(ctx: RequestContext): KeyStore {
  if (!ctx.gateway.keys) throw new HeraldError('HERALD_E_UNSUPPORTED', 'there are no API keys in --dev mode');
  return ctx.gateway.keys;
}

/** API keys of the caller's tenant: list, create (the secret is shown once, in the answer), revoke. */
export function keyRoutes(): RouteDef[] {
  const permission = { kind: 'tenant', action: 'admin' } as const;
  return [
    {
      id: 'listKeys', method: 'GET', url: '/v1/keys', tag: 'keys', permission,
      summary: 'The tenant\'s keys: id, name, permissions, created, expires, revoked. Never a secret or a hash.',
      response: '{ keys: [KeyInfo] }',
      handler: async (_req, _reply, ctx) => ({ keys: store(ctx).list(ctx.principal.tenant) }),
    },
    {
      id: 'createKey', method: 'POST', url: '/v1/keys', tag: 'keys', permission, status: 201,
      summary: 'Create a key in the caller\'s tenant. The answer holds the key (hk_<id>_<secret>); it is stored only as a hash and cannot be shown again.',
      body: { contentTypes: ['application/json'], description: '{ permissions: ["publish:orders.>", ...], name?, expiresAt? (RFC 3339) }' },
      response: '{ key, info: KeyInfo }',
      handler: async (req, reply, ctx) => {
        const body = jsonBody(req);
        let expiresAt: Date | undefined;
        if (body.expiresAt !== undefined) {
          expiresAt = new Date(typeof body.expiresAt === 'string' ? body.expiresAt : Number.NaN);
          if (!Number.isFinite(expiresAt.getTime())) throw invalidArgument('expiresAt must be an RFC 3339 timestamp', { field: 'expiresAt' });
        }
        const created = await store(ctx).create({
          tenant: ctx.principal.tenant!, permissions: body.permissions as string[],
          ...(body.name === undefined ? {} : { name: body.name as string }), ...(expiresAt ? { expiresAt } : {}),
        });
        reply.header('cache-control', 'no-store');
        return created;
      },
    },
    {
      id: 'revokeKey', method: 'DELETE', url: '/v1/keys/:id', tag: 'keys', permission,
      summary: 'Revoke a key of the tenant: its requests fail from now on and its open streams are closed.',
      response: '{ info: KeyInfo }',
      handler: async (req, _reply, ctx) => ({ info: await store(ctx).revoke(paramsOf(req).id!, ctx.principal.tenant) }),
    },
  ];
}
