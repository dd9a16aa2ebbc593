import websocket from '@fastify/websocket';
import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { HeraldError } from '../core/errors.js';
import { WS_PROTOCOL } from '../client/wire.js';
import { redactSecrets } from '../security/redact.js';
import { authorize } from './auth.js';
import './fastify-types.js';
import type { Gateway } from './gateway.js';
import { toHttpError } from './http-errors.js';
import type { RequestContext, RouteDef } from './route.js';

export interface LoggerOptions {
  level?: string;
  /** Where log lines go (default stdout). Every line is scrubbed of secrets first. */
  stream?: { write(line: string): unknown };
}

export interface AppOptions {
  logger?: LoggerOptions | false;
  trustProxy?: boolean;
  https?: { key: string | Buffer; cert: string | Buffer };
}

const pathOf = (req: FastifyRequest): string => req.url.split('?')[0]!;

function sendError(error: unknown, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  const http = toHttpError(error);
  if (http.unexpected !== undefined) req.log.error({ err: http.unexpected, path: pathOf(req) }, 'request failed');
  if (http.retryAfterSeconds !== undefined) reply.header('retry-after', String(http.retryAfterSeconds));
  return reply.code(http.status).type('application/json').send(http.body);
}

/** Records denials and admin actions in the audit topic, and logs each request (never its query string or headers). */
function onResponse(gateway: Gateway) {
  return async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const def = req.routeOptions.config.def;
    const status = reply.statusCode;
    const who = { ...(req.heraldTenant ? { tenant: req.heraldTenant } : {}), ...(req.heraldKeyId ? { keyId: req.heraldKeyId } : {}) };
    const denied = status === 401 || status === 403 || status === 429;
    if (def && (denied || (def.permission.kind !== 'public' && 'action' in def.permission && def.permission.action === 'admin' && status < 500 && status !== 503))) {
      gateway.audit.record({ kind: denied ? 'denied' : 'admin', method: req.method, route: def.url, path: pathOf(req), status, remote: req.ip, ...who });
    }
    const line = { method: req.method, path: pathOf(req), status, ms: Math.round(reply.elapsedTime * 100) / 100, ...who };
    if (denied || status >= 500) req.log.info(line, 'request');
    else req.log.debug(line, 'request');
  };
}

function register(app: FastifyInstance, def: RouteDef): void {
  const context = (req: FastifyRequest): RequestContext => req.herald as RequestContext;
  if (def.ws) {
    const ws = def.ws;
    app.route({
      method: 'GET', url: def.url, config: { def },
      handler: async () => { throw new HeraldError('HERALD_E_INVALID_ARGUMENT', 'this route needs a WebSocket upgrade', { details: { status: 426 } }); },
      wsHandler: (socket, req) => ws(socket, req, context(req)),
    });
    return;
  }
  const handler = def.handler!;
  app.route({
    method: def.method, url: def.url, config: { def },
    handler: async (req, reply) => {
      const result = await handler(req, reply, context(req));
      if (reply.sent) return reply;
      return reply.code(def.status ?? 200).send(result);
    },
  });
}

/** The fastify application: auth, limits, audit and error mapping around the route table. */
export async function buildApp(gateway: Gateway, routes: readonly RouteDef[], options: AppOptions = {}): Promise<FastifyInstance> {
  const out = options.logger === false ? undefined : (options.logger?.stream ?? process.stdout);
  const app = Fastify({
    logger: out === undefined ? false : {
      level: options.logger ? (options.logger.level ?? 'info') : 'info',
      stream: { write: (line: string) => out.write(redactSecrets(line)) },
    },
    // Our own onResponse line replaces fastify's, which would log the query string.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: gateway.limits.bodyLimit,
    trustProxy: options.trustProxy ?? false,
    routerOptions: { maxParamLength: 300 },
    // Slowloris: a request must arrive whole within this time.
    requestTimeout: 30_000,
    ...(options.https ? { https: options.https } : {}),
  });
  app.decorate('heraldGateway', gateway);
  app.decorateRequest('herald', null);
  app.decorateRequest('heraldKeyId', null);
  app.decorateRequest('heraldTenant', null);
  // Bodies are read raw (up to bodyLimit, 413 before reading when Content-Length says more) and parsed by the routes.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  app.setErrorHandler((error, req, reply) => sendError(error, req, reply));
  app.setNotFoundHandler((req, reply) => sendError(new HeraldError('HERALD_E_NOT_FOUND', `no route ${req.method} ${pathOf(req)}`), req, reply));
  // The WebSocket plugin's hooks first: they mark upgrade requests, so a refused upgrade's socket is closed after the answer.
  await app.register(websocket, {
    options: {
      maxPayload: Math.min(gateway.limits.wsMaxPayload, 1024 * 1024),
      handleProtocols: (protocols: Set<string>) => (protocols.has(WS_PROTOCOL) ? WS_PROTOCOL : false),
    },
  });
  app.addHook('onRequest', authorize(gateway));
  app.addHook('onResponse', onResponse(gateway));
  for (const def of routes) register(app, def);
  return app;
}
