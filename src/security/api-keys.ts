import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * API keys are `hk_<id>_<secret>`: a 16-character public id (how the key is found, shown in
 * logs and audit entries) and a 256-bit random secret. Only SHA-256 of the whole key is stored;
 * the secret is shown once, when the key is created. With that much entropy a plain hash is
 * enough (no salt or slow hash is needed against guessing), and a comparison of hashes with
 * `timingSafeEqual` leaks nothing about the stored value.
 */
const FORMAT = /^hk_([a-z0-9]{16})_([A-Za-z0-9_-]{43})$/;

export interface NewApiKey {
  /** The full key, `hk_<id>_<secret>`: give it to the client, never store it. */
  key: string;
  id: string;
  /** Hex SHA-256 of `key`: what is stored. */
  hash: string;
}

export function hashKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

export function generateApiKey(): NewApiKey {
  const id = randomBytes(8).toString('hex');
  const key = `hk_${id}_${randomBytes(32).toString('base64url')}`;
  return { key, id, hash: hashKey(key) };
}

/** The id of a well-formed key, or undefined. Never echoes the secret. */
export function keyIdOf(key: string): string | undefined {
  return FORMAT.exec(key)?.[1];
}

const DUMMY = hashKey('hk_0000000000000000_0000000000000000000000000000000000000000000');

/** Does `key` hash to `storedHash`? Constant time in the key's content; `undefined` compares against a dummy. */
export function keyMatches(key: string, storedHash: string | undefined): boolean {
  const expected = Buffer.from(storedHash ?? DUMMY, 'hex');
  const actual = Buffer.from(hashKey(key), 'hex');
  return expected.length === actual.length && timingSafeEqual(expected, actual) && storedHash !== undefined;
}

/** The key from an `Authorization: Bearer <key>` header value (undefined when absent or not a bearer token). */
export function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}
