import type { RouteDef } from './route.js';

type Json = Record<string, unknown>;

const ERRORS: Record<number, string> = {
  400: 'invalid argument or event (HERALD_E_INVALID_ARGUMENT, HERALD_E_INVALID_EVENT); the body names the field',
  401: 'no valid API key (HERALD_E_UNAUTHENTICATED)',
  403: 'the key may not do this (HERALD_E_FORBIDDEN)',
  404: 'not found (HERALD_E_NOT_FOUND)',
  409: 'the stream is not at the expected revision (HERALD_E_WRONG_REVISION); details.actualRevision says where it is',
  410: 'the stream was tombstoned (HERALD_E_STREAM_DELETED)',
  413: 'body too large (HERALD_E_TOO_LARGE)',
  429: 'rate limited (HERALD_E_RATE_LIMITED); see Retry-After',
  503: 'shutting down or busy (HERALD_E_UNAVAILABLE); see Retry-After',
};

const errorResponse = (description: string): Json => ({ description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } });

function operation(def: RouteDef): Json {
  const params = [...def.url.matchAll(/:([A-Za-z]+)/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
  const query = Object.entries(def.query ?? {}).map(([name, doc]) => ({
    name, in: 'query', required: doc.required ?? false, description: doc.description, schema: { type: doc.type ?? 'string' },
  }));
  const responses: Json = { [String(def.status ?? 200)]: { description: def.response } };
  const codes = def.permission.kind === 'public' ? [503] : [400, 401, 403, 404, 429, 503, ...(def.body ? [413] : []), ...(def.permission.kind === 'stream' ? [409, 410] : [])];
  for (const code of codes) responses[String(code)] = errorResponse(ERRORS[code]!);
  const op: Json = {
    operationId: def.id,
    summary: def.summary,
    tags: [def.tag],
    parameters: [...params, ...query],
    responses,
    'x-herald-permission': def.permission,
    security: def.permission.kind === 'public' ? [] : [{ apiKey: [] }],
  };
  if (def.body) {
    op.requestBody = {
      description: def.body.description,
      content: Object.fromEntries(def.body.contentTypes.map((t) => [t.split(' ')[0], { schema: {} }])),
    };
  }
  return op;
}

/** The OpenAPI 3.1 document of the whole API, generated from the route table. */
export function openApiDocument(routes: readonly RouteDef[], version: string): Json {
  const paths: Record<string, Json> = {};
  for (const def of routes) {
    const path = def.url.replace(/:([A-Za-z]+)/g, '{$1}');
    (paths[path] ??= {})[def.method.toLowerCase()] = operation(def);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'herald',
      version,
      description: 'Publish CloudEvents, read and replay topics, consume with leases, stream over SSE and WebSocket, append to and read event-sourced streams, and administer topics, groups, dead letters and keys. '
        + 'Every route but health and this document needs an API key (Authorization: Bearer hk_<id>_<secret>) or, when the server is configured for them, a JWT (HS256 or EdDSA), with the permission it names in x-herald-permission.',
    },
    paths,
    components: {
      securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'an API key hk_<id>_<secret>, or a JWT whose claims carry the tenant and permissions (see docs/server.md)' } },
      schemas: {
        Error: {
          type: 'object',
          required: ['error'],
          properties: {
            error: {
              type: 'object',
              required: ['code', 'message', 'retryable', 'details'],
              properties: { code: { type: 'string', pattern: '^HERALD_E_' }, message: { type: 'string' }, retryable: { type: 'boolean' }, details: { type: 'object' } },
            },
          },
        },
      },
    },
  };
}
