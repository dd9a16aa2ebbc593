import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { HeraldError, invalidArgument } from '../core/errors.js';

/**
 * Webhook signatures as the Standard Webhooks spec has them, so receivers can check them with
 * any of its libraries: HMAC-SHA256 over `<id>.<timestamp>.<body>` with the secret's bytes,
 * sent as `webhook-signature: v1,<base64>` beside `webhook-id` and `webhook-timestamp`.
 */
export interface WebhookHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

const PREFIX = 'whsec_';
const MIN_KEY_BYTES = 24;
const MAX_KEY_BYTES = 64;
/** How far a receiver lets a timestamp stray from its clock (the spec's recommendation). */
export const DEFAULT_TOLERANCE_SECONDS = 300;

/** A new random secret, `whsec_` and 32 bytes in base64. */
export function newWebhookSecret(): string {
  return PREFIX + randomBytes(32).toString('base64');
}

/** The key bytes of a `whsec_...` secret; the error never repeats the secret. */
export function secretKey(secret: unknown, field = 'secret'): Buffer {
  if (typeof secret !== 'string' || !secret.startsWith(PREFIX)) throw invalidArgument(`${field} must be a whsec_ secret (whsec_ and base64 key bytes)`, { field });
  const b64 = secret.slice(PREFIX.length);
  const key = Buffer.from(b64, 'base64');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64) || key.length < MIN_KEY_BYTES || key.length > MAX_KEY_BYTES) {
    throw invalidArgument(`${field} must be whsec_ and ${MIN_KEY_BYTES}-${MAX_KEY_BYTES} key bytes in base64`, { field });
  }
  return key;
}

function sign(key: Buffer, id: string, timestamp: number, body: string): string {
  return createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64');
}

/** The three headers of one delivery attempt; `timestamp` in seconds since epoch. */
export function signWebhook(key: Buffer, id: string, timestamp: number, body: string): WebhookHeaders {
  return { 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': `v1,${sign(key, id, timestamp, body)}` };
}

function badSignature(message: string): HeraldError {
  return new HeraldError('HERALD_E_BAD_SIGNATURE', message);
}

/**
 * Checks a received webhook (for receivers written with herald, and for tests): one of the
 * space-separated `v1,` signatures must match, and the timestamp must be within `toleranceSeconds`.
 */
export function verifyWebhook(secret: string, headers: Record<string, string | string[] | undefined>, body: string, options: { toleranceSeconds?: number; now?: number } = {}): void {
  const key = secretKey(secret);
  const one = (name: string): string => {
    const v = headers[name];
    const s = Array.isArray(v) ? v[0] : v;
    if (typeof s !== 'string' || s === '') throw badSignature(`the ${name} header is missing`);
    return s;
  };
  const id = one('webhook-id');
  const ts = one('webhook-timestamp');
  const timestamp = Number(ts);
  if (!/^\d{1,12}$/.test(ts)) throw badSignature('the webhook-timestamp header is not whole seconds');
  const now = Math.floor((options.now ?? Date.now()) / 1000);
  if (Math.abs(now - timestamp) > (options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS)) throw badSignature('the webhook-timestamp is outside the tolerance window');
  // Compared as base64 text, not decoded bytes: the decoder ignores stray low bits, so several
  // spellings would decode to one MAC (signatures must not be malleable).
  const expected = Buffer.from(sign(key, id, timestamp, body));
  const match = one('webhook-signature').split(' ').some((entry) => {
    const [version, sig] = entry.split(',', 2);
    if (version !== 'v1' || sig === undefined) return false;
    const got = Buffer.from(sig);
    return got.length === expected.length && timingSafeEqual(got, expected);
  });
  if (!match) throw badSignature('no webhook-signature matches');
}
