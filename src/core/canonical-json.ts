import { HeraldError } from './errors.js';

/**
 * RFC 8785 (JSON Canonicalization Scheme) for the values herald signs and fingerprints: object
 * members sorted by their names' UTF-16 code units (what `Array.prototype.sort` compares),
 * no whitespace, strings and numbers serialised as ECMAScript's JSON.stringify does (which is
 * what JCS specifies). Members whose value is `undefined` are left out, as in JSON. Values JSON
 * cannot carry (NaN, Infinity, functions, bigints) are refused rather than silently changed.
 */
export function canonicalJson(value: unknown): string {
  return serialise(value, 'value', 0);
}

const MAX_DEPTH = 200;

function serialise(value: unknown, path: string, depth: number): string {
  if (depth > MAX_DEPTH) throw refuse(path, `nested deeper than ${MAX_DEPTH} levels`);
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw refuse(path, `${String(value)} has no JSON form`);
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) {
    return `[${value.map((item, i) => (item === undefined ? 'null' : serialise(item, `${path}[${i}]`, depth + 1))).join(',')}]`;
  }
  if (typeof value === 'object') {
    if (value instanceof Date) return JSON.stringify(value.toISOString());
    const record = value as Record<string, unknown>;
    const members = Object.keys(record).filter((k) => record[k] !== undefined).sort();
    return `{${members.map((k) => `${JSON.stringify(k)}:${serialise(record[k], `${path}.${k}`, depth + 1)}`).join(',')}}`;
  }
  throw refuse(path, `a ${typeof value} has no JSON form`);
}

function refuse(path: string, why: string): HeraldError {
  return new HeraldError('HERALD_E_INVALID_ARGUMENT', `cannot canonicalise ${path}: ${why}`, { details: { field: path } });
}

/** Deep equality of two JSON values (by their canonical forms). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  return a === b || canonicalJson(a) === canonicalJson(b);
}
