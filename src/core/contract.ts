import type { StandardSchemaV1 } from '@standard-schema/spec';
import { createEvent, type CloudEvent, type EventInput } from './envelope.js';
import { HeraldError } from './errors.js';

/**
 * A typed event contract: one event type, its current version, a Standard Schema (zod,
 * valibot, arktype...) for its data, and upcasters from older versions so that handlers only
 * ever see the latest shape. The version travels in the `dataversion` extension.
 */
export interface EventContract<T = unknown> {
  readonly type: string;
  readonly version: number;
  readonly schema: StandardSchemaV1<unknown, T>;
  /** Validates `data` and builds the event; rejects with HERALD_E_INVALID_EVENT naming the field. */
  create(data: T, options?: Omit<EventInput<T>, 'type' | 'data'>): Promise<CloudEvent<T>>;
  /** True when the event is of this contract's type (any version). */
  is(event: CloudEvent): boolean;
  /** Upcasts the event's data to the current version and validates it. */
  decode(event: CloudEvent): Promise<CloudEvent<T>>;
  /** The sensitive fields of the data and whose they are (see PiiSpec). */
  readonly pii?: PiiSpec;
  /** A JSON Schema given with the contract, for schema libraries that cannot produce one. */
  readonly jsonSchema?: Record<string, unknown> | boolean;
}

/**
 * Personal data in a contract: `fields` (dotted paths into the data, e.g. `email`,
 * `address`, `customer.phone`) are encrypted per data subject before they are stored, with the
 * key of the subject named by the `subject` field (e.g. `customerId`). Forgetting the subject
 * deletes its key, and with it every copy of those fields (crypto-shredding).
 */
export interface PiiSpec {
  subject: string;
  fields: readonly string[];
}

const FIELD_PATH = /^[A-Za-z0-9_$-]+(\.[A-Za-z0-9_$-]+)*$/;

function assertPiiSpec(pii: unknown, type: string): asserts pii is PiiSpec {
  const spec = pii as Partial<PiiSpec> | undefined;
  const ok = typeof spec === 'object' && spec !== null && typeof spec.subject === 'string' && FIELD_PATH.test(spec.subject)
    && Array.isArray(spec.fields) && spec.fields.length > 0 && spec.fields.every((f) => typeof f === 'string' && FIELD_PATH.test(f) && f !== spec.subject);
  if (!ok) {
    throw new HeraldError('HERALD_E_INVALID_ARGUMENT', `pii of ${type} must be { subject: 'a data field', fields: ['dotted.paths', ...] } (the subject itself is not encrypted)`, { details: { field: 'pii' } });
  }
}

export interface ContractOptions<T> {
  type: string;
  version?: number;
  schema: StandardSchemaV1<unknown, T>;
  /** `upcast[n]` turns version-n data into version n+1 data. */
  upcast?: Record<number, (data: unknown) => unknown>;
  /** Sensitive fields, encrypted per data subject before they are stored. */
  pii?: PiiSpec;
  /** The data's JSON Schema, when `schema` cannot produce one (zod 4 can: `~standard.jsonSchema`). */
  jsonSchema?: Record<string, unknown> | boolean;
}

export type EventData<C> = C extends EventContract<infer T> ? T : never;

function pathOf(issue: StandardSchemaV1.Issue): string {
  return (issue.path ?? [])
    .map((p) => (typeof p === 'object' && p !== null && 'key' in p ? p.key : p))
    .map(String)
    .join('.');
}

export async function validateData<T>(schema: StandardSchemaV1<unknown, T>, type: string, data: unknown): Promise<T> {
  const result = await schema['~standard'].validate(data);
  if (result.issues) {
    const issues = result.issues.map((i) => ({ path: ['data', pathOf(i)].filter(Boolean).join('.'), message: i.message }));
    const text = issues.map((i) => `${i.path}: ${i.message}`).join('; ');
    throw new HeraldError('HERALD_E_INVALID_EVENT', `invalid ${type} event: ${text}`, { details: { type, issues } });
  }
  return result.value;
}

export function defineEvent<T>(options: ContractOptions<T>): EventContract<T> {
  const version = options.version ?? 1;
  if (!Number.isInteger(version) || version < 1) {
    throw new HeraldError('HERALD_E_INVALID_ARGUMENT', `version of ${options.type} must be a positive integer`);
  }
  if (options.pii !== undefined) assertPiiSpec(options.pii, options.type);
  const contract: EventContract<T> = {
    type: options.type,
    version,
    schema: options.schema,
    ...(options.pii === undefined ? {} : { pii: { subject: options.pii.subject, fields: [...options.pii.fields] } }),
    ...(options.jsonSchema === undefined ? {} : { jsonSchema: options.jsonSchema }),
    async create(data, input = {}) {
      const valid = await validateData(options.schema, options.type, data);
      return createEvent<T>({
        ...input,
        type: options.type,
        data: valid,
        extensions: { ...input.extensions, dataversion: version },
      });
    },
    is(event) {
      return event.type === options.type;
    },
    async decode(event) {
      if (!contract.is(event)) {
        throw new HeraldError('HERALD_E_INVALID_EVENT', `expected a ${options.type} event, got ${event.type}`, { details: { path: 'type' } });
      }
      let from = typeof event.dataversion === 'number' ? event.dataversion : 1;
      if (from > version) {
        throw new HeraldError('HERALD_E_INVALID_EVENT', `${options.type} version ${from} is newer than this contract (version ${version})`, { details: { path: 'dataversion' } });
      }
      let data: unknown = event.data;
      for (; from < version; from++) {
        const step = options.upcast?.[from];
        if (!step) throw new HeraldError('HERALD_E_INVALID_EVENT', `${options.type}: no upcaster from version ${from}`, { details: { path: 'dataversion' } });
        data = step(data);
      }
      const valid = await validateData(options.schema, options.type, data);
      return { ...event, data: valid, dataversion: version };
    },
  };
  return contract;
}
