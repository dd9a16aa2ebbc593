import { invalidArgument } from '../core/errors.js';

/** A JSON Schema (draft 2020-12, or draft-07 for the subset herald compares): `true`, `false` or an object. */
export type JsonSchema = boolean | JsonSchemaObject;
export type JsonSchemaObject = { [keyword: string]: unknown };

export type JsonType = 'null' | 'boolean' | 'string' | 'number' | 'integer' | 'array' | 'object';
const JSON_TYPES = new Set<string>(['null', 'boolean', 'string', 'number', 'integer', 'array', 'object']);

/** Keywords that only describe (never restrict what is valid): ignored by the comparison. */
export const ANNOTATIONS = new Set([
  '$schema', '$id', '$comment', '$defs', 'definitions', 'title', 'description', 'default', 'examples',
  'deprecated', 'readOnly', 'writeOnly', 'contentEncoding', 'contentMediaType',
]);

/** Keywords the structural comparison understands; any other keyword is compared conservatively. */
export const UNDERSTOOD = new Set([
  'type', 'enum', 'const', 'nullable', 'anyOf', 'oneOf', '$ref',
  'properties', 'required', 'additionalProperties', 'minProperties', 'maxProperties',
  'items', 'minItems', 'maxItems', 'uniqueItems',
  'minLength', 'maxLength', 'pattern', 'format',
  'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf',
]);

export function isSchema(value: unknown): value is JsonSchema {
  return typeof value === 'boolean' || (typeof value === 'object' && value !== null && !Array.isArray(value));
}

export function assertSchema(value: unknown, field = 'schema'): asserts value is JsonSchema {
  if (!isSchema(value)) throw invalidArgument(`${field} must be a JSON Schema (an object or a boolean)`, { field });
}

/** The JSON type of a value (`integer` for whole numbers). */
export function jsonTypeOf(value: unknown): JsonType {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  if (typeof value === 'boolean') return 'boolean';
  return typeof value === 'string' ? 'string' : 'object';
}

/**
 * One alternative of a schema restricted to one JSON type: `{type:['string','null']}` is two
 * branches, `anyOf` the union of its alternatives' branches. `any` is a branch without a type.
 */
export interface Branch {
  type: JsonType | 'any';
  schema: JsonSchemaObject;
  /** The allowed values, when the schema has `enum` or `const`. */
  values?: unknown[];
}

export type Resolve = (ref: string) => JsonSchema | undefined;

/** A resolver of local references (`#/$defs/x`, `#/definitions/x`, `#`) against `root`. */
export function localResolver(root: JsonSchema): Resolve {
  return (ref) => {
    if (!ref.startsWith('#')) return undefined;
    let node: unknown = root;
    for (const raw of ref.slice(1).split('/').filter((s) => s.length > 0)) {
      const key = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
      if (typeof node !== 'object' || node === null) return undefined;
      node = (node as Record<string, unknown>)[key];
    }
    return isSchema(node) ? node : undefined;
  };
}

/** `schema` with its `$ref` followed (up to a depth): undefined when it cannot be resolved. */
export function deref(schema: JsonSchema, resolve: Resolve): JsonSchema | undefined {
  let current: JsonSchema = schema;
  for (let hops = 0; hops < 32; hops++) {
    if (typeof current === 'boolean' || typeof current.$ref !== 'string') return current;
    const { $ref, ...siblings } = current;
    const target = resolve($ref);
    if (target === undefined) return undefined;
    const meaningful = Object.keys(siblings).filter((k) => !ANNOTATIONS.has(k));
    if (meaningful.length > 0) return undefined; // a $ref beside other constraints: not in the subset
    current = target;
  }
  return undefined;
}

function typesOf(schema: JsonSchemaObject): JsonType[] | undefined {
  const raw = schema.type;
  const list = typeof raw === 'string' ? [raw] : Array.isArray(raw) ? raw : undefined;
  if (list === undefined) return undefined;
  const types = list.filter((t): t is JsonType => typeof t === 'string' && JSON_TYPES.has(t));
  if (schema.nullable === true && !types.includes('null')) types.push('null');
  return types;
}

function valuesOf(schema: JsonSchemaObject): unknown[] | undefined {
  if ('const' in schema) return [schema.const];
  return Array.isArray(schema.enum) ? schema.enum : undefined;
}

/** Does a value of type `value` fit a branch of type `type`? (`integer` values are numbers too.) */
export function fits(value: JsonType, type: JsonType | 'any'): boolean {
  return type === 'any' || value === type || (value === 'integer' && type === 'number');
}

/**
 * The branches of a schema, or `undefined` when its alternatives cannot be split (anyOf beside
 * other constraints, oneOf whose alternatives may overlap): the caller treats it conservatively.
 */
export function branches(schema: JsonSchema, resolve: Resolve): Branch[] | undefined {
  const s = deref(schema, resolve);
  if (s === undefined) return undefined;
  if (s === true) return [{ type: 'any', schema: {} }];
  if (s === false) return [];
  const alternatives = Array.isArray(s.anyOf) ? s.anyOf : Array.isArray(s.oneOf) ? s.oneOf : undefined;
  if (alternatives !== undefined) {
    const rest = Object.keys(s).filter((k) => k !== 'anyOf' && k !== 'oneOf' && !ANNOTATIONS.has(k));
    if (rest.length > 0 || (Array.isArray(s.anyOf) && Array.isArray(s.oneOf))) return undefined;
    const out: Branch[] = [];
    for (const alternative of alternatives) {
      if (!isSchema(alternative)) return undefined;
      const inner = branches(alternative, resolve);
      if (inner === undefined) return undefined;
      out.push(...inner);
    }
    if (Array.isArray(s.oneOf) && !disjoint(out)) return undefined;
    return out;
  }
  const values = valuesOf(s);
  const types = typesOf(s) ?? (values ? [...new Set(values.map(jsonTypeOf))] : undefined);
  if (types === undefined) return [{ type: 'any', schema: s }];
  return types.map((type) => {
    const own = values?.filter((v) => fits(jsonTypeOf(v), type));
    return own === undefined ? { type, schema: s } : { type, schema: s, values: own };
  });
}

/** oneOf is anyOf when no value can match two alternatives: here, when their types cannot overlap. */
function disjoint(list: readonly Branch[]): boolean {
  const seen = new Set<string>();
  for (const b of list) {
    const family = b.type === 'integer' ? 'number' : b.type;
    if (family === 'any' || seen.has(family)) return false;
    seen.add(family);
  }
  return true;
}
