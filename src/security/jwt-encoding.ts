import { createHmac, createPrivateKey, sign, type KeyObject } from 'node:crypto';
import { invalidArgument } from '../core/errors.js';

/** The pieces of a compact JWS shared by signing and verifying (RFC 7515 §7.1). */
const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** The bytes of one base64url part, or undefined unless it is canonical (no padding, no stray bits). */
export function decodePart(part: string): Buffer | undefined {
  if (!BASE64URL.test(part) || part.length % 4 === 1) return undefined;
  const bytes = Buffer.from(part, 'base64url');
  return bytes.toString('base64url') === part ? bytes : undefined;
}

const encodeJson = (value: unknown): string => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');

/** Three non-empty base64url parts separated by dots: the only shape of token this module reads. */
export function looksLikeJws(text: string): boolean {
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(text);
}

export const hs256 = (secret: string | Buffer, input: string): Buffer => createHmac('sha256', secret).update(input, 'ascii').digest();

export type JwtSigningKey =
  | { alg: 'HS256'; secret: string }
  /** PEM text or a KeyObject of an Ed25519 private key. */
  | { alg: 'EdDSA'; privateKey: string | KeyObject };

/**
 * A compact JWS of `claims`, for tests and for services written in TypeScript that mint herald
 * tokens without a JWT library. `header` adds to (or, in tests, overrides) `{alg, typ: "JWT"}`.
 */
export function signJwt(claims: Record<string, unknown>, key: JwtSigningKey, header: Record<string, unknown> = {}): string {
  if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) throw invalidArgument('claims must be an object', { field: 'claims' });
  const input = `${encodeJson({ alg: key.alg, typ: 'JWT', ...header })}.${encodeJson(claims)}`;
  let signature: Buffer;
  if (key.alg === 'HS256') {
    if (typeof key.secret !== 'string' || key.secret.length === 0) throw invalidArgument('secret must be a non-empty string', { field: 'secret' });
    signature = hs256(key.secret, input);
  } else {
    const privateKey = typeof key.privateKey === 'string' ? createPrivateKey(key.privateKey) : key.privateKey;
    if (privateKey.asymmetricKeyType !== 'ed25519') throw invalidArgument('privateKey must be an Ed25519 private key', { field: 'privateKey' });
    signature = sign(null, Buffer.from(input, 'ascii'), privateKey);
  }
  return `${input}.${signature.toString('base64url')}`;
}
