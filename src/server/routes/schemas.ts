import { HeraldError, invalidArgument } from '../../core/errors.js';
import type { PiiSpec } from '../../core/contract.js';
import { buildCatalog } from '../../schema/catalog.js';
import { assertCompatibilityMode, type CompatibilityMode } from '../../schema/compatibility.js';
import { assertEventType, type SchemaRegistry } from '../../schema/registry.js';
import { integer, jsonBody } from '../params.js';
import { paramsOf, type RequestContext, type RouteDef } from '../route.js';

function registry(ctx: RequestContext): SchemaRegistry {
  if (!ctx.gateway.governance) throw new HeraldError('HERALD_E_UNAVAILABLE', 'the schema registry is not open yet');
  return ctx.gateway.governance.registry(ctx.principal.tenant);
}

function typeParam(params: Record<string, string | undefined>): string {
  const type = params.type;
  assertEventType(type);
  return type;
}

function optionalVersion(body: Record<string, unknown>): number | undefined {
  if (body.version === undefined) return undefined;
  if (typeof body.version !== 'number' || !Number.isInteger(body.version) || body.version < 1) throw invalidArgument('version must be a positive integer', { field: 'version' });
  return body.version;
}

function optionalMode(value: unknown): CompatibilityMode | undefined {
  if (value === undefined) return undefined;
  assertCompatibilityMode(value);
  return value;
}

/**
 * The schema registry of the caller's tenant (`/v1/schemas`) and the event catalog generated
 * from it (`/v1/catalog`, also at `/asyncapi.json`): reading needs any valid key, registering
 * and changing a mode need `admin` on the tenant, the catalog `read` on the tenant (it lists
 * every topic and group).
 */
export function schemaRoutes(): RouteDef[] {
  const admin = { kind: 'tenant', action: 'admin' } as const;
  const catalog = async (_req: unknown, _reply: unknown, ctx: RequestContext): Promise<unknown> =>
    buildCatalog(ctx.log, registry(ctx), { version: ctx.gateway.version });
  return [
    {
      id: 'listSchemas', method: 'GET', url: '/v1/schemas', tag: 'schemas', permission: { kind: 'authenticated' },
      summary: 'The event types with a registered schema: versions, latest, compatibility mode, owner.',
      response: '{ types: [{ type, compatibility, versions, latest, owner? }] }',
      handler: async (_req, _reply, ctx) => ({ types: registry(ctx).types() }),
    },
    {
      id: 'getSchemaType', method: 'GET', url: '/v1/schemas/:type', tag: 'schemas', permission: { kind: 'authenticated' },
      summary: 'Every registered version of one event type, with its compatibility mode.',
      response: '{ type, compatibility, versions: [{ type, version, schema, fingerprint, registeredAt, owner?, description?, pii? }] }',
      handler: async (req, _reply, ctx) => {
        const type = typeParam(paramsOf(req));
        const r = registry(ctx);
        if (!r.subject(type)) throw new HeraldError('HERALD_E_NOT_FOUND', `no schema registered for ${type}`);
        return { type, compatibility: r.compatibility(type), versions: r.versions(type) };
      },
    },
    {
      id: 'getSchemaVersion', method: 'GET', url: '/v1/schemas/:type/versions/:version', tag: 'schemas', permission: { kind: 'authenticated' },
      summary: 'One version of an event type\'s schema (`latest` for the newest).',
      response: '{ type, version, schema, fingerprint, registeredAt, owner?, description?, pii? }',
      handler: async (req, _reply, ctx) => {
        const params = paramsOf(req);
        const type = typeParam(params);
        const version = params.version === 'latest' ? undefined : integer(params.version);
        if (version !== undefined && !(version >= 1)) throw invalidArgument('version must be a positive integer or latest', { field: 'version' });
        const entry = registry(ctx).get(type, version);
        if (!entry) throw new HeraldError('HERALD_E_NOT_FOUND', `no schema ${type} version ${params.version ?? ''}`);
        return entry;
      },
    },
    {
      id: 'registerSchema', method: 'POST', url: '/v1/schemas/:type', tag: 'schemas', permission: admin, status: 201,
      summary: 'Register a JSON Schema as the next version of an event type (or the given one). It is checked against the type\'s compatibility '
        + 'mode first: an incompatible schema is refused (409 HERALD_E_INCOMPATIBLE_SCHEMA) with a reason per breaking change. Registering the same schema again changes nothing.',
      body: { contentTypes: ['application/json'], description: '{ schema, version?, owner?, description?, pii?: { subject, fields }, compatibility? }' },
      response: '{ version: SchemaVersion, created }',
      handler: async (req, reply, ctx) => {
        const body = jsonBody(req);
        const result = await registry(ctx).register(typeParam(paramsOf(req)), body.schema, {
          ...(optionalVersion(body) === undefined ? {} : { version: optionalVersion(body)! }),
          ...(body.owner === undefined ? {} : { owner: body.owner as string }),
          ...(body.description === undefined ? {} : { description: body.description as string }),
          ...(body.pii === undefined ? {} : { pii: body.pii as PiiSpec }),
          ...(optionalMode(body.compatibility) === undefined ? {} : { compatibility: optionalMode(body.compatibility)! }),
        });
        return reply.code(result.created ? 201 : 200).send(result);
      },
    },
    {
      id: 'checkSchema', method: 'POST', url: '/v1/schemas/:type/check', tag: 'schemas', permission: { kind: 'authenticated' },
      summary: 'Would this schema be accepted as the next version? Nothing is written: { compatible, reasons } (for CI: `herald schema check`).',
      body: { contentTypes: ['application/json'], description: '{ schema, version?, compatibility? }' },
      response: '{ compatible, mode, version, alreadyRegistered, reasons: [string], changes: [{ path, kind, message, against, direction }] }',
      handler: async (req, _reply, ctx) => {
        const body = jsonBody(req);
        const version = optionalVersion(body);
        const mode = optionalMode(body.compatibility);
        return registry(ctx).check(typeParam(paramsOf(req)), body.schema, { ...(version === undefined ? {} : { version }), ...(mode === undefined ? {} : { compatibility: mode }) });
      },
    },
    {
      id: 'setSchemaCompatibility', method: 'PUT', url: '/v1/schemas/:type/compatibility', tag: 'schemas', permission: admin,
      summary: 'Set an event type\'s compatibility mode: BACKWARD (default), BACKWARD_TRANSITIVE, FORWARD, FORWARD_TRANSITIVE, FULL, FULL_TRANSITIVE or NONE.',
      body: { contentTypes: ['application/json'], description: '{ compatibility }' },
      response: '{ type, compatibility }',
      handler: async (req, _reply, ctx) => {
        const type = typeParam(paramsOf(req));
        const mode = optionalMode(jsonBody(req).compatibility);
        if (mode === undefined) throw invalidArgument('compatibility is required', { field: 'compatibility' });
        await registry(ctx).setCompatibility(type, mode);
        return { type, compatibility: mode };
      },
    },
    {
      id: 'catalog', method: 'GET', url: '/v1/catalog', tag: 'schemas', permission: { kind: 'tenant', action: 'read' },
      summary: 'The event catalog as an AsyncAPI 3.0 document: topics, event types with their schemas and versions, producers seen, consumer groups.',
      response: 'AsyncAPI 3.0 document (JSON)', handler: catalog,
    },
    {
      id: 'asyncapi', method: 'GET', url: '/asyncapi.json', tag: 'schemas', permission: { kind: 'tenant', action: 'read' },
      summary: 'The same AsyncAPI document as /v1/catalog, at the conventional address.',
      response: 'AsyncAPI 3.0 document (JSON)', handler: catalog,
    },
  ];
}
