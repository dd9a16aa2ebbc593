import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { EventContract, PiiSpec } from '../core/contract.js';
import type { CloudEvent } from '../core/envelope.js';
import { HeraldError } from '../core/errors.js';
import type { Middleware } from '../consumer/types.js';
import type { SubjectKeyStore } from './subject-keys.js';

/** The extension listing the encrypted fields of an event's data (`email,address`). */
export const PII_EXTENSION = 'heraldpii';
/** Set on a decrypted event whose subject was forgotten: the fields listed are gone for good. */
export const SHREDDED_EXTENSION = 'heraldshredded';
export const REDACTED = '[redacted]';
const PREFIX = 'hpii:v1:';
/** What an encrypted field looks like: `hpii:v1:<subject, base64url>:<iv|ciphertext|tag, base64url>`. */
export const ENCRYPTED_FIELD_PATTERN = '^hpii:v1:[A-Za-z0-9_-]+:[A-Za-z0-9_-]+$';

type Data = Record<string, unknown>;

function get(data: unknown, path: string): unknown {
  let node = data;
  for (const part of path.split('.')) {
    if (typeof node !== 'object' || node === null || Array.isArray(node)) return undefined;
    node = (node as Data)[part];
  }
  return node;
}

/** Sets (or with `undefined`, deletes) `path` where its parent object exists. */
function set(data: unknown, path: string, value: unknown): void {
  const parts = path.split('.');
  const last = parts.pop()!;
  const parent = parts.length === 0 ? data : get(data, parts.join('.'));
  if (typeof parent !== 'object' || parent === null || Array.isArray(parent)) return;
  if (value === undefined) delete (parent as Data)[last];
  else (parent as Data)[last] = value;
}

const aad = (subject: string, path: string): Buffer => Buffer.from(`${PREFIX}${subject}:${path}`);

function seal(key: Uint8Array, subject: string, path: string, value: unknown): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv).setAAD(aad(subject, path));
  const body = Buffer.concat([iv, cipher.update(JSON.stringify(value), 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return `${PREFIX}${Buffer.from(subject).toString('base64url')}:${body.toString('base64url')}`;
}

function parse(sealed: unknown): { subject: string; body: Buffer } | undefined {
  if (typeof sealed !== 'string' || !sealed.startsWith(PREFIX)) return undefined;
  const [subject, body] = sealed.slice(PREFIX.length).split(':');
  if (subject === undefined || body === undefined) return undefined;
  return { subject: Buffer.from(subject, 'base64url').toString('utf8'), body: Buffer.from(body, 'base64url') };
}

function open(key: Uint8Array, subject: string, path: string, body: Buffer): unknown {
  if (body.length < 28) throw new Error('too short');
  const decipher = createDecipheriv('aes-256-gcm', key, body.subarray(0, 12)).setAAD(aad(subject, path));
  decipher.setAuthTag(body.subarray(body.length - 16));
  const text = Buffer.concat([decipher.update(body.subarray(12, body.length - 16)), decipher.final()]).toString('utf8');
  return JSON.parse(text) as unknown;
}

/**
 * The event with the contract's sensitive fields encrypted (AES-256-GCM, a fresh IV per field,
 * the subject and field path as associated data) under the key of the data subject, and the
 * encrypted paths listed in the `heraldpii` extension. Absent fields stay absent.
 */
export async function encryptPii<T>(event: CloudEvent<T>, spec: PiiSpec, keys: SubjectKeyStore): Promise<CloudEvent<T>> {
  const subjectValue = get(event.data, spec.subject);
  if ((typeof subjectValue !== 'string' && typeof subjectValue !== 'number') || String(subjectValue).length === 0) {
    throw new HeraldError('HERALD_E_INVALID_EVENT', `invalid ${event.type} event: data.${spec.subject}: the data subject of its personal data must be a non-empty string or number`, { details: { path: `data.${spec.subject}` } });
  }
  const subject = String(subjectValue);
  const data = structuredClone(event.data);
  const encrypted: string[] = [];
  let key: Uint8Array | undefined;
  for (const path of spec.fields) {
    const value = get(data, path);
    if (value === undefined) continue;
    key ??= await keys.keyFor(subject);
    set(data, path, seal(key, subject, path, value));
    encrypted.push(path);
  }
  if (encrypted.length === 0) return event;
  return { ...event, data, [PII_EXTENSION]: encrypted.join(',') };
}

function encryptedPaths(event: CloudEvent): string[] {
  const listed = event[PII_EXTENSION];
  return typeof listed === 'string' && listed.length > 0 ? listed.split(',') : [];
}

/**
 * The event with its encrypted fields decrypted. A field whose subject was forgotten (no key)
 * is removed, and listed in the `heraldshredded` extension; so is one that does not decrypt.
 */
export async function decryptPii<T>(event: CloudEvent<T>, keys: SubjectKeyStore): Promise<CloudEvent<T>> {
  const paths = encryptedPaths(event);
  if (paths.length === 0) return event;
  const data = structuredClone(event.data);
  const shredded: string[] = [];
  for (const path of paths) {
    const sealed = parse(get(data, path));
    if (!sealed) continue;
    const key = await keys.find(sealed.subject);
    let value: unknown;
    try {
      value = key === undefined ? undefined : open(key, sealed.subject, path, sealed.body);
    } catch {
      value = undefined;
    }
    if (value === undefined) shredded.push(path);
    set(data, path, value);
  }
  // `heraldpii` stays: it still says which fields are personal data, so `redactSensitive` (in a
  // logging middleware, which runs after this one) hides them without being given the contract.
  return { ...event, data, ...(shredded.length > 0 ? { [SHREDDED_EXTENSION]: shredded.join(',') } : {}) };
}

/** The plaintext strings of `event`'s decrypted fields (and each field as JSON): what must not leak. */
function sensitiveStrings(event: CloudEvent, paths: readonly string[]): string[] {
  const out = new Set<string>();
  const walk = (value: unknown): void => {
    if (typeof value === 'string' || typeof value === 'number') {
      if (String(value).length >= 4) out.add(String(value));
    } else if (typeof value === 'object' && value !== null) {
      for (const child of Object.values(value)) walk(child);
    }
  };
  for (const path of paths) {
    const value = get(event.data, path);
    if (value === undefined) continue;
    walk(value);
    if (typeof value === 'object' && value !== null) out.add(JSON.stringify(value));
  }
  return [...out].sort((a, b) => b.length - a.length);
}

/**
 * Replaces `secrets` in an error's message and stack (and its causes') by `[redacted]`, in place:
 * a handler that throws `new Error(\`cannot mail ${email}\`)` must not write the address into
 * the dead letter, the retry record, the trace or the outcome record, which keep the error.
 */
export function scrubError(error: unknown, secrets: readonly string[], depth = 0): void {
  if (secrets.length === 0 || depth > 5 || typeof error !== 'object' || error === null) return;
  const e = error as { message?: unknown; stack?: unknown; cause?: unknown; errors?: unknown };
  const scrub = (text: string): string => secrets.reduce((out, secret) => out.split(secret).join(REDACTED), text);
  for (const field of ['message', 'stack'] as const) {
    const value = e[field];
    if (typeof value !== 'string') continue;
    try {
      e[field] = scrub(value);
    } catch {
      // a frozen error keeps its text; nothing better can be done here
    }
  }
  scrubError(e.cause, secrets, depth + 1);
  if (Array.isArray(e.errors)) for (const inner of e.errors) scrubError(inner, secrets, depth + 1);
}

/**
 * Consumer middleware: handlers see sensitive fields decrypted (or, for forgotten subjects,
 * absent). An error the handler throws leaves with those values scrubbed from its text.
 */
export function decryptSensitive(keys: SubjectKeyStore): Middleware {
  return (next) => async (event, ctx) => {
    const decrypted = await decryptPii(event, keys);
    try {
      await next(decrypted, ctx);
    } catch (error) {
      scrubError(error, sensitiveStrings(decrypted, encryptedPaths(event)));
      throw error;
    }
  };
}

/**
 * A copy of the event fit for logs, traces and the console: the contract's sensitive fields,
 * and any the event lists as encrypted, replaced by `[redacted]`.
 */
export function redactSensitive<T>(event: CloudEvent<T>, contract?: Pick<EventContract<unknown>, 'pii'>): CloudEvent<T> {
  const paths = new Set([...(contract?.pii?.fields ?? []), ...encryptedPaths(event)]);
  if (paths.size === 0 || event.data === undefined) return event;
  const data = structuredClone(event.data);
  for (const path of paths) if (get(data, path) !== undefined) set(data, path, REDACTED);
  return { ...event, data };
}
