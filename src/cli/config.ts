import { readFileSync } from 'node:fs';
import { HeraldError } from '../core/errors.js';
import type { JwtFiles } from '../security/jwt-config.js';
import { BACKEND_KINDS, type BackendConfig } from './backends.js';
import { webhooksOf, type WebhookFileEntry } from './webhook-config.js';

/** What `herald serve` runs with. Each field comes from the flags, else the environment, else the config file. */
export interface ServeConfig {
  backend: BackendConfig;
  host: string;
  port: number;
  adminKeyFile?: string;
  tls?: { cert: string; key: string };
  bodyLimit?: number;
  /** Requests per second per key; 0 turns the limit off. */
  rate?: number;
  allowOrigins?: string[];
  /** JWT verification: key files (never the secrets themselves), issuer, audience. */
  jwt?: JwtFiles;
  /** Outgoing webhooks (config file only): see docs/webhooks.md. */
  webhooks?: WebhookFileEntry[];
}

type Json = Record<string, unknown>;

function bad(where: string, field: string, expected: string): HeraldError {
  return new HeraldError('HERALD_E_INVALID_ARGUMENT', `${where}: ${field} must be ${expected}`, { details: { field } });
}

function str(o: Json, field: string, where: string): string | undefined {
  const v = o[field];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v === '') throw bad(where, field, 'a non-empty string');
  return v;
}

function int(v: unknown, field: string, where: string, min: number): number | undefined {
  if (v === undefined) return undefined;
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min) throw bad(where, field, `an integer >= ${min}`);
  return n;
}

function obj(v: unknown, field: string, where: string): Json | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw bad(where, field, 'an object');
  return v as Json;
}

function unknownFields(o: Json, allowed: readonly string[], where: string, prefix = ''): void {
  const extra = Object.keys(o).find((k) => !allowed.includes(k));
  if (extra !== undefined) throw new HeraldError('HERALD_E_INVALID_ARGUMENT', `${where}: unknown field ${prefix}${extra} (known: ${allowed.join(', ')})`, { details: { field: `${prefix}${extra}` } });
}

function backendOf(o: Json, where: string): Partial<BackendConfig> & { kind?: BackendConfig['kind'] } {
  const kind = str(o, 'kind', where);
  if (kind !== undefined && !(BACKEND_KINDS as readonly string[]).includes(kind)) throw bad(where, 'backend.kind', `one of ${BACKEND_KINDS.join(', ')}`);
  const durability = str(o, 'durability', where);
  if (durability !== undefined && durability !== 'fsync' && durability !== 'os') throw bad(where, 'backend.durability', 'fsync or os');
  const path = str(o, 'path', where);
  const url = str(o, 'url', where);
  const namespace = str(o, 'namespace', where);
  return {
    ...(kind ? { kind: kind as BackendConfig['kind'] } : {}), ...(path ? { path } : {}), ...(durability ? { durability } : {}),
    ...(url ? { url } : {}), ...(namespace ? { namespace } : {}),
  };
}

/** A layer of settings: every field optional, validated, with the place it came from in errors. */
export type ConfigLayer = Partial<Omit<ServeConfig, 'backend'>> & { backend?: Partial<BackendConfig> };

/** Reads a JSON config file (`--config` or HERALD_CONFIG). Unknown fields are errors, not silently ignored. */
export function readConfigFile(file: string): ConfigLayer {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (cause) {
    throw new HeraldError('HERALD_E_INVALID_ARGUMENT', `cannot read the config file ${file}: ${(cause as Error).message}`, { details: { field: '--config' }, cause });
  }
  const where = `config ${file}`;
  const o = obj(raw, '(root)', where)!;
  unknownFields(o, ['backend', 'host', 'port', 'adminKeyFile', 'tls', 'bodyLimit', 'rate', 'allowOrigins', 'jwt', 'webhooks'], where);
  const jwt = obj(o.jwt, 'jwt', where);
  if (jwt) unknownFields(jwt, ['secretFile', 'publicKeyFile', 'issuer', 'audience'], where, 'jwt.');
  const backend = obj(o.backend, 'backend', where);
  if (backend) unknownFields(backend, ['kind', 'path', 'durability', 'url', 'namespace'], where, 'backend.');
  const tls = obj(o.tls, 'tls', where);
  if (tls) unknownFields(tls, ['cert', 'key'], where, 'tls.');
  const origins = o.allowOrigins;
  if (origins !== undefined && (!Array.isArray(origins) || origins.some((x) => typeof x !== 'string'))) throw bad(where, 'allowOrigins', 'an array of strings');
  const cert = tls ? str(tls, 'cert', where) : undefined;
  const key = tls ? str(tls, 'key', where) : undefined;
  if (tls && (cert === undefined || key === undefined)) throw bad(where, 'tls', 'both cert and key');
  return prune({
    ...(backend ? { backend: backendOf(backend, where) } : {}),
    host: str(o, 'host', where), port: int(o.port, 'port', where, 0), adminKeyFile: str(o, 'adminKeyFile', where),
    ...(cert && key ? { tls: { cert, key } } : {}),
    bodyLimit: int(o.bodyLimit, 'bodyLimit', where, 1024), rate: int(o.rate, 'rate', where, 0),
    ...(origins ? { allowOrigins: origins as string[] } : {}),
    webhooks: webhooksOf(o.webhooks, where),
    ...(jwt ? { jwt: prune({ secretFile: str(jwt, 'secretFile', where), publicKeyFile: str(jwt, 'publicKeyFile', where), issuer: str(jwt, 'issuer', where), audience: str(jwt, 'audience', where) }) } : {}),
  });
}

/** HERALD_BACKEND, HERALD_BACKEND_URL, HERALD_NAMESPACE, HERALD_DB, HERALD_DURABILITY, HERALD_HOST, HERALD_PORT, HERALD_JWT_{SECRET_FILE,PUBLIC_KEY,ISSUER,AUDIENCE}. */
export function configFromEnv(env: Readonly<Record<string, string | undefined>>): ConfigLayer {
  const where = 'environment';
  const backend = backendOf(prune({
    kind: env.HERALD_BACKEND, path: env.HERALD_DB, durability: env.HERALD_DURABILITY, url: env.HERALD_BACKEND_URL, namespace: env.HERALD_NAMESPACE,
  }), where);
  const jwt = prune({ secretFile: env.HERALD_JWT_SECRET_FILE, publicKeyFile: env.HERALD_JWT_PUBLIC_KEY, issuer: env.HERALD_JWT_ISSUER, audience: env.HERALD_JWT_AUDIENCE });
  return prune({
    ...(Object.keys(backend).length > 0 ? { backend } : {}),
    ...(Object.keys(jwt).length > 0 ? { jwt } : {}),
    host: env.HERALD_HOST || undefined, port: int(env.HERALD_PORT, 'HERALD_PORT', where, 0),
  });
}

/** Later layers win, field by field (the backend too: HERALD_DB only changes the path of the file's backend). */
export function mergeConfig(...layers: ConfigLayer[]): ServeConfig {
  const merged: ConfigLayer = {};
  let backend: Partial<BackendConfig> = {};
  let jwt: JwtFiles | undefined;
  for (const layer of layers) {
    Object.assign(merged, layer);
    if (layer.backend) backend = { ...backend, ...layer.backend };
    if (layer.jwt) jwt = { ...jwt, ...layer.jwt };
  }
  return { host: '127.0.0.1', port: 8080, ...merged, backend: { kind: 'sqlite', ...backend }, ...(jwt ? { jwt } : {}) };
}

export function prune<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== '')) as T;
}
