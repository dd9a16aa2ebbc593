import { HeraldError } from './errors.js';
import { uuidv7 } from './ids.js';
import type { CloudEvent } from './cloud-event.js';

export type { CloudEvent } from './cloud-event.js';

/** What a caller gives to make an event; herald fills id, time, specversion and source. */
export interface EventInput<T = unknown> {
  type: string;
  data?: T;
  id?: string;
  source?: string;
  time?: string | Date;
  subject?: string;
  datacontenttype?: string;
  dataschema?: string;
  /** Ordering key: events with the same key are delivered in order, never concurrently. */
  key?: string;
  correlationid?: string;
  causationid?: string;
  traceparent?: string;
  tracestate?: string;
  extensions?: Record<string, string | number | boolean>;
}

export const DEFAULT_SOURCE = 'urn:herald';

export function createEvent<T>(input: EventInput<T>, defaults: { source?: string } = {}): CloudEvent<T> {
  const event: CloudEvent<T> = {
    ...input.extensions,
    specversion: '1.0',
    id: input.id ?? uuidv7(),
    source: input.source ?? defaults.source ?? DEFAULT_SOURCE,
    type: input.type,
    time: input.time instanceof Date ? input.time.toISOString() : (input.time ?? isoNow()),
  };
  if (input.subject !== undefined) event.subject = input.subject;
  if (input.dataschema !== undefined) event.dataschema = input.dataschema;
  if (input.key !== undefined) event.partitionkey = input.key;
  if (input.correlationid !== undefined) event.correlationid = input.correlationid;
  if (input.causationid !== undefined) event.causationid = input.causationid;
  if (input.traceparent !== undefined) event.traceparent = input.traceparent;
  if (input.tracestate !== undefined) event.tracestate = input.tracestate;
  if (input.data !== undefined) {
    event.datacontenttype = input.datacontenttype ?? 'application/json';
    event.data = input.data;
  } else if (input.datacontenttype !== undefined) {
    event.datacontenttype = input.datacontenttype;
  }
  assertValidEnvelope(event);
  return event;
}

let isoMs = 0;
let iso = '';

/** The current time as an ISO string, formatted once per millisecond. */
function isoNow(): string {
  const now = Date.now();
  if (now !== isoMs) {
    isoMs = now;
    iso = new Date(now).toISOString();
  }
  return iso;
}

export interface FieldIssue {
  /** Dotted path of the failing field, e.g. `id`, `data.total`. */
  path: string;
  message: string;
}

const CONTEXT_ATTRIBUTES = new Set([
  'specversion', 'id', 'source', 'type', 'time', 'subject', 'datacontenttype', 'dataschema', 'data', 'data_base64',
]);
const EXTENSION_NAME = /^[a-z0-9]{1,20}$/;
// RFC 3339 date-time, as CloudEvents requires for `time`.
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
const TRACEPARENT = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;
const MAX_ID_LENGTH = 256;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function nonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

/** Every way `value` fails to be a CloudEvents 1.0 event, each naming its field. */
export function envelopeIssues(value: unknown): FieldIssue[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return [{ path: '', message: 'an event must be a JSON object' }];
  }
  const e = value as Record<string, unknown>;
  const issues: FieldIssue[] = [];
  const required = (name: string): void => {
    if (!nonEmptyString(e[name])) issues.push({ path: name, message: `${name} is required and must be a non-empty string` });
  };
  if (e.specversion !== '1.0') issues.push({ path: 'specversion', message: `specversion must be "1.0", got ${JSON.stringify(e.specversion)}` });
  required('id');
  required('source');
  required('type');
  if (typeof e.id === 'string' && e.id.length > MAX_ID_LENGTH) issues.push({ path: 'id', message: `id is longer than ${MAX_ID_LENGTH} characters` });
  if (e.time !== undefined && (typeof e.time !== 'string' || !RFC3339.test(e.time) || Number.isNaN(Date.parse(e.time)))) {
    issues.push({ path: 'time', message: 'time must be an RFC 3339 timestamp' });
  }
  for (const name of ['subject', 'datacontenttype', 'dataschema'] as const) {
    if (e[name] !== undefined && !nonEmptyString(e[name])) issues.push({ path: name, message: `${name} must be a non-empty string when present` });
  }
  if (e.data !== undefined && e.data_base64 !== undefined) issues.push({ path: 'data_base64', message: 'data and data_base64 are mutually exclusive' });
  if (e.data_base64 !== undefined && (typeof e.data_base64 !== 'string' || !BASE64.test(e.data_base64))) {
    issues.push({ path: 'data_base64', message: 'data_base64 must be base64 text' });
  }
  if (e.traceparent !== undefined && (typeof e.traceparent !== 'string' || !TRACEPARENT.test(e.traceparent))) {
    issues.push({ path: 'traceparent', message: 'traceparent must be a W3C trace context header' });
  }
  for (const [name, v] of Object.entries(e)) {
    // An attribute set to undefined is absent, as in JSON (the cloudevents SDK's objects carry some).
    if (CONTEXT_ATTRIBUTES.has(name) || v === undefined) continue;
    if (!EXTENSION_NAME.test(name)) {
      issues.push({ path: name, message: `extension attribute names must be 1-20 lowercase letters or digits, got ${JSON.stringify(name)}` });
    } else if (typeof v !== 'string' && typeof v !== 'boolean' && !(typeof v === 'number' && Number.isInteger(v))) {
      issues.push({ path: name, message: `extension ${name} must be a string, boolean or integer` });
    }
  }
  return issues;
}

/**
 * The last `time` found valid: events made in the same millisecond share it, and Date.parse is not
 * free. It starts as a valid time, so the shortcut only ever skips a check that passed.
 */
let validTime = '1970-01-01T00:00:00.000Z';

/**
 * The same verdict as `envelopeIssues(value).length === 0`, without building anything: the hot path
 * of every append. Attributes are read as envelopeIssues reads them (own or inherited); extension
 * names come from the own enumerable keys, as Object.entries gives them.
 */
export function isValidEnvelope(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const e = value as Record<string, unknown>;
  const { id, time, data, data_base64: base64, traceparent } = e;
  if (e.specversion !== '1.0' || typeof id !== 'string' || id.length === 0 || id.length > MAX_ID_LENGTH) return false;
  if (!nonEmptyString(e.source) || !nonEmptyString(e.type)) return false;
  if (time !== undefined && time !== validTime) {
    if (typeof time !== 'string' || !RFC3339.test(time) || Number.isNaN(Date.parse(time))) return false;
    validTime = time;
  }
  if (!optionalString(e.subject) || !optionalString(e.datacontenttype) || !optionalString(e.dataschema)) return false;
  if (base64 !== undefined && (data !== undefined || typeof base64 !== 'string' || !BASE64.test(base64))) return false;
  if (traceparent !== undefined && (typeof traceparent !== 'string' || !TRACEPARENT.test(traceparent))) return false;
  for (const name of Object.keys(e)) {
    switch (name) {
      case 'specversion': case 'id': case 'source': case 'type': case 'time': case 'subject':
      case 'datacontenttype': case 'dataschema': case 'data': case 'data_base64':
        continue;
    }
    const v = e[name];
    if (v === undefined || typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isInteger(v))) {
      if (v === undefined || EXTENSION_NAME.test(name)) continue;
    }
    return false;
  }
  return true;
}

function optionalString(value: unknown): boolean {
  return value === undefined || nonEmptyString(value);
}

export function describeIssues(issues: readonly FieldIssue[]): string {
  return issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ');
}

export function assertValidEnvelope(value: unknown): asserts value is CloudEvent {
  if (isValidEnvelope(value)) return;
  const issues = envelopeIssues(value);
  if (issues.length > 0) {
    throw new HeraldError('HERALD_E_INVALID_EVENT', `invalid event: ${describeIssues(issues)}`, { details: { issues } });
  }
}

/** The ordering key of an event, if it has one. */
export function keyOf(event: CloudEvent): string | undefined {
  return typeof event.partitionkey === 'string' ? event.partitionkey : undefined;
}
