import { createHash } from 'node:crypto';
import { canonicalJson } from '../core/canonical-json.js';
import type { PiiSpec } from '../core/contract.js';
import type { CloudEvent } from '../core/envelope.js';
import { invalidArgument } from '../core/errors.js';
import type { CompatibilityMode } from './compatibility.js';
import type { JsonSchema } from './json-schema.js';

/*
 * A registered schema version: what it holds, how types and versions are named, and which version
 * an event claims.
 */
const TYPE = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$/;

export interface SchemaVersion {
  type: string;
  version: number;
  schema: JsonSchema;
  /** SHA-256 of the schema's canonical JSON (RFC 8785). */
  fingerprint: string;
  registeredAt: string;
  owner?: string;
  description?: string;
  pii?: PiiSpec;
}

export interface SchemaSubject {
  type: string;
  compatibility: CompatibilityMode;
  versions: number[];
  latest: number;
  owner?: string;
}

export function assertEventType(type: unknown, field = 'type'): asserts type is string {
  if (typeof type !== 'string' || !TYPE.test(type)) {
    throw invalidArgument(`${field} must be 1-200 letters, digits, '.', '_', ':' or '-' starting with a letter or digit, got ${JSON.stringify(type)}`, { field });
  }
}

export function fingerprintOf(schema: JsonSchema): string {
  return createHash('sha256').update(canonicalJson(schema)).digest('hex');
}

/** `urn:herald:schema:<type>:<version>`: the `dataschema` of an event written with that version. */
export function schemaUri(type: string, version: number): string {
  return `urn:herald:schema:${type}:${version}`;
}

/** The version `event` claims: its `dataschema` when that names one, else `dataversion` (1 when absent). */
export function versionOf(event: CloudEvent): number {
  const uri = typeof event.dataschema === 'string' ? /(?:^urn:herald:schema:.+:|\/schemas\/[^/]+\/versions\/)(\d+)$/.exec(event.dataschema) : null;
  if (uri) return Number(uri[1]);
  const raw = event.dataversion;
  // Binary-mode HTTP carries every attribute as a string.
  if (typeof raw === 'string' && /^[1-9]\d{0,8}$/.test(raw)) return Number(raw);
  return typeof raw === 'number' ? raw : 1;
}
