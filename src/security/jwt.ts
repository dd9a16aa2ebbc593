import { createPublicKey, timingSafeEqual, verify, type JsonWebKey, type KeyObject } from 'node:crypto';
import { invalidArgument } from '../core/errors.js';
import { decodePart, hs256 } from './jwt-encoding.js';
import { parseGrants, type Grant } from './permissions.js';
import { TENANT, assertTenant } from './tenants.js';

/**
 * JWT bearer tokens (compact JWS, RFC 7515/7519) signed by another service: HS256 with a shared
 * secret or EdDSA with an Ed25519 key whose public half the server holds. Each algorithm is
 * bound to its own key, so a token can never pick the key it is checked with (an HS256 token
 * "signed" with the public key's text fails like any other). Verification is strict; a failure
 * has a reason for the operator's debug log, never for the client.
 */
export interface JwtOptions {
  /** HS256: the shared secret, at least 32 bytes. */
  hs256Secret?: string;
  /** EdDSA: the issuer's Ed25519 public key, PEM (SPKI) or JWK (`{kty:"OKP", crv:"Ed25519", x}`, object or JSON text). */
  ed25519PublicKey?: string | JsonWebKey;
  /** When set, `iss` must equal it. */
  issuer?: string;
  /** When set, `aud` (a string or a list) must contain it; when not, a token that has an `aud` is refused. */
  audience?: string;
  /** Clock skew allowed on `exp`, `nbf` and `iat` (default 30 s, at most 300). */
  leewaySeconds?: number;
  /** The claim holding the permissions, a list written like an API key's: `["publish:orders.>", "read:>"]` (default `herald`). */
  claim?: string;
  /** The tenant of a token without a `tenant` claim (default `default`). */
  defaultTenant?: string;
  /** Longer tokens are refused unread (default 8192 characters). */
  maxTokenLength?: number;
}

export type JwtAlgorithm = 'HS256' | 'EdDSA';

/** Who a valid token speaks for. */
export interface JwtIdentity {
  sub: string;
  tenant: string;
  grants: Grant[];
  /** ms since epoch after which the token is no longer accepted (`exp` plus the leeway). */
  validUntil: number;
}

export type JwtFailure = 'too-long' | 'malformed' | 'header' | 'algorithm' | 'signature' | 'expired' | 'not-yet-valid' | 'issuer' | 'audience' | 'claims';
export type JwtResult = { ok: true; identity: JwtIdentity } | { ok: false; reason: JwtFailure };

type Json = Record<string, unknown>;
const REGISTERED = new Set(['iss', 'sub', 'aud', 'exp', 'nbf', 'iat', 'jti', 'tenant']);
const SUB = /^[\x21-\x7e]{1,200}$/;
/** A plain name or a namespaced one (`https://example.com/herald`), as identity providers require for custom claims. */
const CLAIM = SUB;
/** `typ` is a media type without its `application/` prefix, compared case-insensitively (RFC 7515 §4.1.9). */
const TYP = /^(application\/)?jwt$/i;
const fail = (reason: JwtFailure): JwtResult => ({ ok: false, reason });
/** An own property only: a claim is never read from Object.prototype. */
const own = (object: Json, name: string): unknown => (Object.hasOwn(object, name) ? object[name] : undefined);
const isNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

function jsonObject(bytes: Buffer | undefined): Json | undefined {
  if (bytes === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(bytes.toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
  } catch {
    return undefined;
  }
}

function ed25519Key(value: string | JsonWebKey): KeyObject {
  const field = 'jwt.ed25519PublicKey';
  const text = typeof value === 'string' ? value.trim() : undefined;
  if (text?.includes('PRIVATE KEY') || (typeof value === 'object' && value !== null && 'd' in value)) {
    throw invalidArgument(`${field} must be the public key: the private key stays with the service that signs tokens`, { field });
  }
  let key: KeyObject;
  try {
    if (text !== undefined && !text.startsWith('{')) key = createPublicKey(text);
    else key = createPublicKey({ key: (text !== undefined ? JSON.parse(text) : value) as JsonWebKey, format: 'jwk' });
  } catch {
    throw invalidArgument(`${field} is not a readable public key (PEM or JWK)`, { field });
  }
  if (key.asymmetricKeyType !== 'ed25519') throw invalidArgument(`${field} must be an Ed25519 key, got ${String(key.asymmetricKeyType)}`, { field });
  return key;
}

function optionalString(value: unknown, field: string): string | undefined {
  if (value !== undefined && (typeof value !== 'string' || value.length === 0 || value.length > 500)) {
    throw invalidArgument(`${field} must be a string of 1-500 characters`, { field });
  }
  return value;
}

export class JwtVerifier {
  readonly algorithms: readonly JwtAlgorithm[];
  private readonly secret: Buffer | undefined;
  private readonly publicKey: KeyObject | undefined;
  private readonly issuer: string | undefined;
  private readonly audience: string | undefined;
  private readonly leeway: number;
  private readonly claim: string;
  private readonly defaultTenant: string;
  private readonly maxLength: number;

  /** Checks the configuration; throws HERALD_E_INVALID_ARGUMENT naming the field (never quoting a secret). */
  constructor(options: JwtOptions) {
    if (typeof options !== 'object' || options === null) throw invalidArgument('jwt must be an object', { field: 'jwt' });
    const { hs256Secret, ed25519PublicKey } = options;
    if (hs256Secret !== undefined && (typeof hs256Secret !== 'string' || Buffer.byteLength(hs256Secret, 'utf8') < 32)) {
      throw invalidArgument('jwt.hs256Secret must be a string of at least 32 bytes (e.g. `openssl rand -base64 48`)', { field: 'jwt.hs256Secret' });
    }
    if (hs256Secret === undefined && ed25519PublicKey === undefined) {
      throw invalidArgument('jwt needs hs256Secret or ed25519PublicKey (or both)', { field: 'jwt' });
    }
    this.secret = hs256Secret === undefined ? undefined : Buffer.from(hs256Secret, 'utf8');
    this.publicKey = ed25519PublicKey === undefined ? undefined : ed25519Key(ed25519PublicKey);
    this.algorithms = [...(this.secret ? ['HS256' as const] : []), ...(this.publicKey ? ['EdDSA' as const] : [])];
    this.issuer = optionalString(options.issuer, 'jwt.issuer');
    this.audience = optionalString(options.audience, 'jwt.audience');
    this.leeway = options.leewaySeconds ?? 30;
    if (!isNumber(this.leeway) || this.leeway < 0 || this.leeway > 300) throw invalidArgument('jwt.leewaySeconds must be 0-300', { field: 'jwt.leewaySeconds' });
    this.claim = options.claim ?? 'herald';
    if (typeof this.claim !== 'string' || !CLAIM.test(this.claim) || REGISTERED.has(this.claim)) {
      throw invalidArgument('jwt.claim must be 1-200 printable characters without spaces, and not a registered claim (sub, exp, tenant...)', { field: 'jwt.claim' });
    }
    this.defaultTenant = options.defaultTenant ?? 'default';
    assertTenant(this.defaultTenant, 'jwt.defaultTenant');
    this.maxLength = options.maxTokenLength ?? 8192;
    if (!Number.isInteger(this.maxLength) || this.maxLength < 100) throw invalidArgument('jwt.maxTokenLength must be an integer >= 100', { field: 'jwt.maxTokenLength' });
  }

  verify(token: string, now = Date.now()): JwtResult {
    if (typeof token !== 'string' || token.length > this.maxLength) return fail('too-long');
    const parts = token.split('.');
    if (parts.length !== 3) return fail('malformed');
    const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];
    const header = jsonObject(decodePart(headerPart));
    const payload = decodePart(payloadPart);
    const signature = decodePart(signaturePart);
    if (header === undefined || payload === undefined || signature === undefined) return fail('malformed');
    const typ = own(header, 'typ');
    if ((typ !== undefined && (typeof typ !== 'string' || !TYP.test(typ))) || own(header, 'crit') !== undefined) return fail('header');
    const alg = own(header, 'alg');
    if (!this.algorithms.includes(alg as JwtAlgorithm)) return fail('algorithm');
    if (!this.signatureMatches(alg as JwtAlgorithm, `${headerPart}.${payloadPart}`, signature)) return fail('signature');
    // The payload is parsed only once the signature says who wrote it.
    const claims = jsonObject(payload);
    return claims === undefined ? fail('malformed') : this.identity(claims, now / 1000);
  }

  private signatureMatches(alg: JwtAlgorithm, input: string, signature: Buffer): boolean {
    if (alg === 'HS256') {
      const expected = hs256(this.secret!, input);
      return signature.length === expected.length && timingSafeEqual(signature, expected);
    }
    return signature.length === 64 && verify(null, Buffer.from(input, 'ascii'), this.publicKey!, signature);
  }

  private identity(claims: Json, now: number): JwtResult {
    const [exp, nbf, iat] = [own(claims, 'exp'), own(claims, 'nbf'), own(claims, 'iat')];
    if (!isNumber(exp) || (nbf !== undefined && !isNumber(nbf)) || (iat !== undefined && !isNumber(iat))) return fail('claims');
    if (now >= exp + this.leeway) return fail('expired');
    if ((nbf !== undefined && now + this.leeway < nbf) || (iat !== undefined && now + this.leeway < iat)) return fail('not-yet-valid');
    if (this.issuer !== undefined && own(claims, 'iss') !== this.issuer) return fail('issuer');
    const aud = own(claims, 'aud');
    if (aud !== undefined || this.audience !== undefined) {
      const audiences = Array.isArray(aud) ? aud : [aud];
      if (this.audience === undefined || !audiences.includes(this.audience)) return fail('audience');
    }
    const sub = own(claims, 'sub');
    const tenant = Object.hasOwn(claims, 'tenant') ? claims.tenant : this.defaultTenant;
    if (typeof sub !== 'string' || !SUB.test(sub) || typeof tenant !== 'string' || !TENANT.test(tenant)) return fail('claims');
    let grants: Grant[];
    try {
      grants = parseGrants(own(claims, this.claim), this.claim);
    } catch {
      return fail('claims');
    }
    return { ok: true, identity: { sub, tenant, grants, validUntil: (exp + this.leeway) * 1000 } };
  }
}
