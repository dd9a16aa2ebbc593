import type { FastifyRequest } from 'fastify';
import { HeraldError } from '../core/errors.js';
import { assertTopic } from '../log/names.js';
import { assertStreamName } from '../log/stream-checks.js';
import { categoryOf } from '../log/streams.js';
import { bearerToken } from '../security/api-keys.js';
import { looksLikeJws } from '../security/jwt-encoding.js';
import { ACTIONS, allows, allowsAll } from '../security/permissions.js';
import { TenantNames } from '../security/tenants.js';
import type { Gateway } from './gateway.js';
import type { Principal, RouteDef } from './route.js';
import { paramsOf } from './route.js';

const DEV: Principal = { dev: true, grants: [{ actions: [...ACTIONS], pattern: '>' }] };

function unauthenticated(gateway: Gateway): HeraldError {
  // One message for every failure (missing, malformed, unknown, expired, revoked, bad signature...): nothing to learn from it.
  const what = gateway.jwt ? 'a valid API key or token is required: Authorization: Bearer hk_<id>_<secret> or Bearer <JWT>' : 'a valid API key is required: Authorization: Bearer hk_<id>_<secret>';
  return new HeraldError('HERALD_E_UNAUTHENTICATED', what);
}

function rateLimited(retryAfterMs: number, what: string): HeraldError {
  const retryAfterSeconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  return new HeraldError('HERALD_E_RATE_LIMITED', `too many ${what}; retry after ${retryAfterSeconds} s`, { details: { retryAfterSeconds } });
}

/**
 * The presented credential: `Authorization: Bearer`, or (WebSocket upgrades from browsers, which
 * cannot set headers) a subprotocol entry `hk_...` or, when tokens are accepted, a compact JWT.
 */
function presentedCredential(req: FastifyRequest, jwt: boolean): string | undefined {
  const bearer = bearerToken(req.headers.authorization);
  if (bearer !== undefined) return bearer;
  const protocols = req.headers['sec-websocket-protocol'];
  if (typeof protocols === 'string') return protocols.split(',').map((p) => p.trim()).find((p) => p.startsWith('hk_') || (jwt && looksLikeJws(p)));
  return undefined;
}

/**
 * The onRequest hook: runs before the body is read, so a request without the right credentials
 * costs no parsing. Order: credentials (401), rate (429), topic or stream name (400), permission (403).
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
    } else if (permission.kind === 'stream') {
      const stream = paramsOf(req).stream;
      assertStreamName(stream);
      const category = categoryOf(stream);
      if (!allows(principal.grants, permission.action, category)) {
        throw new HeraldError('HERALD_E_FORBIDDEN', `this key may not ${permission.action} streams of category ${category}`, { details: { action: permission.action, topic: category } });
      }
    } else if (permission.kind === 'tenant' && !allowsAll(principal.grants, permission.action)) {
      throw new HeraldError('HERALD_E_FORBIDDEN', `this key may not ${permission.action} every topic of its tenant (it needs "${permission.action}:>")`, { details: { action: permission.action } });
    }
    req.herald = { principal, log: gateway.viewFor(principal), gateway };
  };
}

type Checked = { principal: Principal } | { credential: 'key' | 'jwt'; reason: string };

/** `hk_...` is an API key; anything else is a JWT when the server accepts them (and an unknown key when not). */
function check(gateway: Gateway, presented: string): Checked {
  if (presented.startsWith('hk_') || !gateway.jwt) {
    const result = gateway.keys!.authenticate(presented);
    if (!result.ok) return { credential: 'key', reason: result.reason };
    return { principal: { dev: false, keyId: result.key.id, tenant: result.key.tenant, grants: result.grants } };
  }
  const result = gateway.jwt.verify(presented);
  if (!result.ok) return { credential: 'jwt', reason: result.reason };
  const { sub, tenant, grants, validUntil } = result.identity;
  return { principal: { dev: false, keyId: `jwt:${sub}`, tenant, grants, tokenValidUntil: validUntil } };
}

function authenticate(gateway: Gateway, req: FastifyRequest): Principal {
  if (!gateway.keys) return DEV;
  const presented = presentedCredential(req, gateway.jwt !== undefined);
  const checked = presented === undefined ? undefined : check(gateway, presented);
  if (checked && 'principal' in checked) return checked.principal;
  // The reason is for the operator (debug level), never with the credential, never for the client.
  if (checked) req.log.debug({ credential: checked.credential, reason: checked.reason }, 'authentication failed');
  const take = gateway.authFailures.take(req.ip);
  if (!take.ok) throw rateLimited(take.retryAfterMs, 'failed authentications from this address');
  throw unauthenticated(gateway);
}

/** Is a long-lived connection's credential still good: the key not revoked or expired, the token not expired? */
export function credentialStillValid(gateway: Gateway, principal: Principal, now = Date.now()): boolean {
  if (principal.dev) return true;
  if (principal.tokenValidUntil !== undefined) return now < principal.tokenValidUntil;
  const key = principal.keyId === undefined ? undefined : gateway.keys?.info(principal.keyId);
  return key !== undefined && key.revokedAt === undefined && (key.expiresAt === undefined || Date.parse(key.expiresAt) > now);
}
