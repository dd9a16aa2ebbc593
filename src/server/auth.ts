import type { FastifyRequest } from 'fastify';
import { HeraldError } from '../core/errors.js';
import { assertTopic } from '../log/names.js';
import { bearerToken } from '../security/api-keys.js';
import { ACTIONS, allows, allowsAll } from '../security/permissions.js';
import { TenantNames } from '../security/tenants.js';
import type { Gateway } from './gateway.js';
import type { Principal, RouteDef } from './route.js';
import { paramsOf } from './route.js';

const DEV: Principal = { dev: true, grants: [{ actions: [...ACTIONS], pattern: '>' }] };

function unauthenticated(): HeraldError {
  // One message for missing, malformed, unknown, expired and revoked keys: nothing to learn from it.
  return new HeraldError('HERALD_E_UNAUTHENTICATED', 'a valid API key is required: Authorization: Bearer hk_<id>_<secret>');
}

function rateLimited(retryAfterMs: number, what: string): HeraldError {
  const retryAfterSeconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  return new HeraldError('HERALD_E_RATE_LIMITED', `too many ${what}; retry after ${retryAfterSeconds} s`, { details: { retryAfterSeconds } });
}

/** The presented key: `Authorization: Bearer`, or (WebSocket upgrades from browsers) a subprotocol entry `hk_...`. */
function presentedKey(req: FastifyRequest): string | undefined {
  const bearer = bearerToken(req.headers.authorization);
  if (bearer !== undefined) return bearer;
  const protocols = req.headers['sec-websocket-protocol'];
  if (typeof protocols === 'string') return protocols.split(',').map((p) => p.trim()).find((p) => p.startsWith('hk_'));
  return undefined;
}

/**
 * The onRequest hook: runs before the body is read, so a request without the right credentials
 * costs no parsing. Order: credentials (401), rate (429), topic name (400), permission (403).
 */
export function authorize(gateway: Gateway) {
  return async (req: FastifyRequest): Promise<void> => {
    const def: RouteDef | undefined = req.routeOptions.config.def;
    if (!def || def.permission.kind === 'public') return;
    if (gateway.closing.aborted) throw new HeraldError('HERALD_E_UNAVAILABLE', 'the server is shutting down');
    const origin = req.headers.origin;
    if (origin !== undefined && gateway.allowedOrigins !== undefined && !gateway.allowedOrigins.includes(origin)) {
      throw new HeraldError('HERALD_E_FORBIDDEN', 'requests from this origin are not allowed', { details: { field: 'origin' } });
    }
    const principal = authenticate(gateway, req);
    req.heraldKeyId = principal.keyId ?? null;
    req.heraldTenant = principal.tenant ?? null;
    if (!principal.dev && gateway.rate) {
      const take = gateway.rate.take(principal.keyId!);
      if (!take.ok) throw rateLimited(take.retryAfterMs, 'requests for this key');
    }
    const permission = def.permission;
    if (permission.kind === 'topic') {
      const topic = paramsOf(req).topic;
      if (principal.tenant === undefined) assertTopic(topic);
      else new TenantNames(principal.tenant).scope(topic);
      if (!allows(principal.grants, permission.action, topic!)) {
        throw new HeraldError('HERALD_E_FORBIDDEN', `this key may not ${permission.action} topic ${topic!}`, { details: { action: permission.action, topic } });
      }
    } else if (permission.kind === 'tenant' && !allowsAll(principal.grants, permission.action)) {
      throw new HeraldError('HERALD_E_FORBIDDEN', `this key may not ${permission.action} every topic of its tenant (it needs "${permission.action}:>")`, { details: { action: permission.action } });
    }
    req.herald = { principal, log: gateway.viewFor(principal), gateway };
  };
}

function authenticate(gateway: Gateway, req: FastifyRequest): Principal {
  if (!gateway.keys) return DEV;
  const presented = presentedKey(req);
  const result = presented === undefined ? undefined : gateway.keys.authenticate(presented);
  if (result?.ok) return { dev: false, keyId: result.key.id, tenant: result.key.tenant, grants: result.grants };
  const take = gateway.authFailures.take(req.ip);
  if (!take.ok) throw rateLimited(take.retryAfterMs, 'failed authentications from this address');
  throw unauthenticated();
}
