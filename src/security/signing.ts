import { createHmac, createPrivateKey, createPublicKey, sign as edSign, timingSafeEqual, verify as edVerify, type KeyObject } from 'node:crypto';
import { canonicalJson } from '../core/canonical-json.js';
import type { CloudEvent } from '../core/envelope.js';
import { HeraldError, invalidArgument } from '../core/errors.js';

/**
 * Signed events, after Standard Webhooks: the signed content is `<id>.<timestamp>.<payload>`,
 * where `timestamp` is the signing time in Unix seconds (extension `heraldts`) and `payload`
 * the RFC 8785 canonical JSON of the signed attributes: those the extension `heraldsigattrs`
 * names (the signer lists every attribute the event had, and the list is itself signed), or,
 * for events signed before that list existed, every attribute but `heraldsig`, `heraldts` and
 * the trace context (`traceparent`, `tracestate`, which tracing may rewrite on the way). An
 * attribute added after signing is outside the list: `stripUnsigned` removes it. The signatures
 * travel in the extension `heraldsig`: space-separated `v1,<keyId>,<base64>` (HMAC-SHA256) or
 * `v1a,<keyId>,<base64>` (Ed25519) entries, so a producer can sign with an old and a new key
 * while keys rotate. A verifier refuses a timestamp further than the tolerance (default 5 min)
 * from its clock, in either direction.
 */
export const SIGNATURE_EXTENSION = 'heraldsig';
export const TIMESTAMP_EXTENSION = 'heraldts';
export const DEFAULT_TOLERANCE_SECONDS = 300;
export const SIGNED_ATTRIBUTES_EXTENSION = 'heraldsigattrs';
const UNSIGNED = new Set([SIGNATURE_EXTENSION, TIMESTAMP_EXTENSION, 'traceparent', 'tracestate']);
/** A signature that does not cover these would let them be swapped: a list without them is refused. */
const REQUIRED_SIGNED = ['id', 'source', 'specversion', 'type'];
const KEY_ID = /^[A-Za-z0-9_.-]{1,64}$/;

/** A key that signs: an HMAC secret (shared with verifiers) or an Ed25519 private key. */
export type SigningKey =
  | { id: string; algorithm: 'hmac-sha256'; secret: string | Uint8Array }
  | { id: string; algorithm: 'ed25519'; privateKey: string | KeyObject };

/** A key that verifies: the same HMAC secret, or the Ed25519 public key. */
export type VerifyingKey =
  | { id: string; algorithm: 'hmac-sha256'; secret: string | Uint8Array }
  | { id: string; algorithm: 'ed25519'; publicKey: string | KeyObject };

/**
 * An HMAC secret as bytes: `whsec_<base64>` (the Standard Webhooks form) or raw bytes; at least
 * 16 bytes, so a password-like secret is refused rather than silently weak.
 */
function secretBytes(secret: string | Uint8Array, id: string): Buffer {
  const bytes = typeof secret === 'string' ? (secret.startsWith('whsec_') ? Buffer.from(secret.slice(6), 'base64') : Buffer.from(secret, 'utf8')) : Buffer.from(secret);
  if (bytes.length < 16) throw invalidArgument(`the secret of signing key ${id} must be at least 16 bytes`, { field: 'secret' });
  return bytes;
}

function assertKeyId(id: unknown): asserts id is string {
  if (typeof id !== 'string' || !KEY_ID.test(id)) throw invalidArgument(`a key id is 1-64 letters, digits, '_', '.' or '-', got ${JSON.stringify(id)}`, { field: 'id' });
}

function asKey(key: string | KeyObject, kind: 'private' | 'public'): KeyObject {
  if (typeof key !== 'string') return key;
  return kind === 'private' ? createPrivateKey(key) : createPublicKey(key);
}

/** The names the event's `heraldsigattrs` lists (plus the list itself), or undefined for an event signed without one. */
function signedNames(event: CloudEvent): Set<string> | undefined {
  const listed = event[SIGNED_ATTRIBUTES_EXTENSION];
  if (listed === undefined) return undefined;
  if (typeof listed !== 'string') throw bad(`event ${event.id}: ${SIGNED_ATTRIBUTES_EXTENSION} must be a comma-separated list of attribute names`, { field: SIGNED_ATTRIBUTES_EXTENSION });
  const names = new Set(listed.split(','));
  const missing = REQUIRED_SIGNED.filter((name) => !names.has(name));
  if (missing.length > 0) throw bad(`event ${event.id}: ${SIGNED_ATTRIBUTES_EXTENSION} must cover ${missing.join(', ')}`, { field: SIGNED_ATTRIBUTES_EXTENSION });
  names.add(SIGNED_ATTRIBUTES_EXTENSION);
  return names;
}

const isSigned = (names: Set<string> | undefined, name: string): boolean => !UNSIGNED.has(name) && (names === undefined || names.has(name));

/** The bytes that are signed: `<id>.<timestamp>.<canonical JSON of the signed attributes>`. */
export function signedContent(event: CloudEvent, timestamp: number): Buffer {
  const names = signedNames(event);
  const payload: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(event)) if (isSigned(names, name)) payload[name] = value;
  return Buffer.from(`${event.id}.${timestamp}.${canonicalJson(payload)}`, 'utf8');
}

/**
 * The event without the attributes its signature does not cover (added on the way, after
 * signing), keeping herald's signature extensions and the trace context. Call it after a
 * successful `verify`: the consumer middleware hands handlers only what was signed.
 */
export function stripUnsigned<T>(event: CloudEvent<T>): CloudEvent<T> {
  const names = signedNames(event);
  if (names === undefined) return event; // signed without a list: every attribute was covered
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(event)) if (UNSIGNED.has(name) || names.has(name)) out[name] = value;
  return out as CloudEvent<T>;
}

function signature(key: SigningKey, content: Buffer): string {
  if (key.algorithm === 'hmac-sha256') return `v1,${key.id},${createHmac('sha256', secretBytes(key.secret, key.id)).update(content).digest('base64')}`;
  return `v1a,${key.id},${edSign(null, content, asKey(key.privateKey, 'private')).toString('base64')}`;
}

/**
 * The event signed by `keys` (one, or several during a rotation) at `now` (ms, default now).
 * Signatures it already has are replaced: they would not cover a new timestamp.
 */
export function signEvent<T>(event: CloudEvent<T>, keys: SigningKey | readonly SigningKey[], now = Date.now()): CloudEvent<T> {
  const list = Array.isArray(keys) ? keys as readonly SigningKey[] : [keys as SigningKey];
  if (list.length === 0) throw invalidArgument('sign with at least one key', { field: 'keys' });
  for (const key of list) assertKeyId(key.id);
  const timestamp = Math.floor(now / 1000);
  const names = Object.keys(event).filter((name) => !UNSIGNED.has(name) && name !== SIGNED_ATTRIBUTES_EXTENSION && event[name] !== undefined);
  const listed: CloudEvent<T> = { ...event, [SIGNED_ATTRIBUTES_EXTENSION]: names.sort().join(',') };
  const content = signedContent(listed, timestamp);
  return { ...listed, [TIMESTAMP_EXTENSION]: timestamp, [SIGNATURE_EXTENSION]: list.map((k) => signature(k, content)).join(' ') };
}

export interface VerifyOptions {
  /** Only these key ids may sign (default: any key of the ring). */
  allowedKeys?: readonly string[];
  /** Seconds the timestamp may be away from `now` (default 300). */
  toleranceSeconds?: number;
  /** The time to compare with (ms; default now): a consumer passes when the log accepted the event. */
  now?: number;
}

function bad(message: string, details: Record<string, unknown> = {}): HeraldError {
  return new HeraldError('HERALD_E_BAD_SIGNATURE', message, { details: { field: SIGNATURE_EXTENSION, ...details } });
}

/**
 * `heraldts` as a number: binary mode carries it as a string, which must then be plain decimal
 * digits without a leading zero (Number() would also take ' 1750000000', '01750000000', '0x684EE180'
 * or '1.75e9': one timestamp, one spelling).
 */
function timestampOf(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  return /^(0|[1-9]\d{0,14})$/.test(value) ? Number(value) : Number.NaN;
}

/** Keys by id, checked once. */
export class KeyRing {
  private readonly keys = new Map<string, { algorithm: 'hmac-sha256'; secret: Buffer } | { algorithm: 'ed25519'; publicKey: KeyObject }>();

  constructor(keys: readonly VerifyingKey[]) {
    for (const key of keys) {
      assertKeyId(key.id);
      if (this.keys.has(key.id)) throw invalidArgument(`two verifying keys have the id ${key.id}`, { field: 'keys' });
      if (key.algorithm === 'hmac-sha256') this.keys.set(key.id, { algorithm: key.algorithm, secret: secretBytes(key.secret, key.id) });
      else if (key.algorithm === 'ed25519') this.keys.set(key.id, { algorithm: key.algorithm, publicKey: asKey(key.publicKey, 'public') });
      else throw invalidArgument(`key ${String((key as { id: unknown }).id)}: algorithm must be hmac-sha256 or ed25519`, { field: 'algorithm' });
    }
  }

  has(id: string): boolean {
    return this.keys.has(id);
  }

  /**
   * Checks the event's signatures: returns the id of the key whose signature verified, or throws
   * HERALD_E_BAD_SIGNATURE saying why (none, malformed, unknown or disallowed key, mismatch,
   * timestamp outside the window). One valid signature by an allowed key is enough.
   */
  verify(event: CloudEvent, options: VerifyOptions = {}): string {
    // A parsed body may be any JSON value: anything but an object is no signed event.
    if (typeof event !== 'object' || event === null || Array.isArray(event)) throw bad('not an event: a signed event is a JSON object');
    const header = event[SIGNATURE_EXTENSION];
    const timestamp = timestampOf(event[TIMESTAMP_EXTENSION]);
    if (typeof header !== 'string' || header.length === 0) throw bad(`event ${event.id} is not signed (no ${SIGNATURE_EXTENSION})`);
    if (typeof timestamp !== 'number' || !Number.isInteger(timestamp)) throw bad(`event ${event.id}: ${TIMESTAMP_EXTENSION} must be an integer of Unix seconds`, { field: TIMESTAMP_EXTENSION });
    const tolerance = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
    const now = Math.floor((options.now ?? Date.now()) / 1000);
    if (Math.abs(now - timestamp) > tolerance) {
      throw bad(`event ${event.id} was signed ${now - timestamp} s from the verifier's clock: outside the ${tolerance} s tolerance`, { field: TIMESTAMP_EXTENSION });
    }
    const content = signedContent(event, timestamp);
    const seen: string[] = [];
    let malformed = 0;
    for (const entry of header.split(' ')) {
      // Exactly `version,keyId,base64`: an entry with more fields is malformed, not a signature
      // followed by ignorable text (else `v1,k,<mac>,<anything>` verified as the `v1,k,<mac>` signed).
      const fields = entry.split(',');
      if (fields.length !== 3) { if (entry !== '') malformed++; continue; }
      const [version, id, value] = fields as [string, string, string];
      seen.push(id);
      const key = this.keys.get(id);
      if (!key || (options.allowedKeys !== undefined && !options.allowedKeys.includes(id))) continue;
      const given = Buffer.from(value, 'base64');
      // Node's decoder skips bad characters and unused low bits: without this, one signature
      // would have many spellings (a flipped bit in the padding still verified).
      if (given.toString('base64') !== value) continue;
      if (version === 'v1' && key.algorithm === 'hmac-sha256') {
        const expected = createHmac('sha256', key.secret).update(content).digest();
        if (given.length === expected.length && timingSafeEqual(given, expected)) return id;
      } else if (version === 'v1a' && key.algorithm === 'ed25519') {
        if (given.length === 64 && edVerify(null, content, key.publicKey, given)) return id;
      }
    }
    const usable = seen.filter((id) => this.keys.has(id) && (options.allowedKeys === undefined || options.allowedKeys.includes(id)));
    if (usable.length === 0) {
      const skipped = malformed > 0 ? ` (${malformed} malformed entries skipped: each is version,keyId,base64)` : '';
      throw bad(`event ${event.id} has no signature by ${options.allowedKeys ? `an allowed key (${options.allowedKeys.join(', ')})` : 'a known key'}${skipped}`, { keys: seen });
    }
    throw bad(`event ${event.id}: the signature does not verify (the event was changed after signing, or signed with another secret)`, { keys: usable });
  }
}
