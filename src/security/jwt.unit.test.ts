import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import { isHeraldError } from '../core/errors.js';
import { looksLikeJws, signJwt } from './jwt-encoding.js';
import { JwtVerifier, type JwtOptions, type JwtResult } from './jwt.js';
import { ACTIONS } from './permissions.js';
import { redactSecrets } from './redact.js';

const SECRET = 'a-shared-secret-of-at-least-32-bytes!!';
const NOW = 1_750_000_000_000;
const sec = NOW / 1000;
const ed = generateKeyPairSync('ed25519');
const publicPem = ed.publicKey.export({ type: 'spki', format: 'pem' }).toString();
const claims = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({ sub: 'svc-orders', tenant: 'acme', exp: sec + 60, herald: ['publish,subscribe:orders.>', 'read:>'], ...extra });
const hs = (extra?: Record<string, unknown>, header?: Record<string, unknown>, secret = SECRET): string => signJwt(claims(extra), { alg: 'HS256', secret }, header);
const eddsa = (extra?: Record<string, unknown>, header?: Record<string, unknown>): string => signJwt(claims(extra), { alg: 'EdDSA', privateKey: ed.privateKey }, header);
const b64 = (value: unknown): string => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
const reason = (result: JwtResult): string => (result.ok ? 'ok' : result.reason);

describe('JwtVerifier', () => {
  const both = new JwtVerifier({ hs256Secret: SECRET, ed25519PublicKey: publicPem });

  it('accepts HS256 and EdDSA tokens and turns their claims into an identity', () => {
    for (const token of [hs(), eddsa()]) {
      const result = both.verify(token, NOW);
      assert.ok(result.ok, reason(result));
      assert.equal(result.identity.sub, 'svc-orders');
      assert.equal(result.identity.tenant, 'acme');
      assert.deepEqual(result.identity.grants, [{ actions: ['publish', 'subscribe'], pattern: 'orders.>' }, { actions: ['read'], pattern: '>' }]);
      assert.equal(result.identity.validUntil, (sec + 60 + 30) * 1000, 'exp plus the default leeway');
    }
    assert.deepEqual(both.algorithms, ['HS256', 'EdDSA']);
  });

  it('takes the Ed25519 public key as PEM, as a JWK object or as JWK text', () => {
    const jwk = ed.publicKey.export({ format: 'jwk' });
    for (const key of [publicPem, jwk, JSON.stringify(jwk)]) {
      const verifier = new JwtVerifier({ ed25519PublicKey: key });
      assert.ok(verifier.verify(eddsa(), NOW).ok);
      assert.deepEqual(verifier.algorithms, ['EdDSA']);
    }
  });

  it('refuses a wrong signature: another secret, another key, a changed payload', () => {
    const other = generateKeyPairSync('ed25519');
    assert.equal(reason(both.verify(hs({}, {}, `${SECRET}-other`), NOW)), 'signature');
    assert.equal(reason(both.verify(signJwt(claims(), { alg: 'EdDSA', privateKey: other.privateKey }), NOW)), 'signature');
    const [h, , s] = hs().split('.');
    assert.equal(reason(both.verify(`${h}.${b64(claims({ herald: ['*:>'] }))}.${s}`, NOW)), 'signature');
    const [eh, , es] = eddsa().split('.');
    assert.equal(reason(both.verify(`${eh}.${b64(claims({ tenant: 'globex' }))}.${es}`, NOW)), 'signature');
  });

  it('refuses alg none and any algorithm it was not configured with', () => {
    const payload = b64(claims());
    for (const alg of ['none', 'None', 'HS512', 'RS256', 'ES256', undefined, 7]) {
      const header = b64({ alg, typ: 'JWT' });
      assert.notEqual(reason(both.verify(`${header}.${payload}.`, NOW)), 'ok', `${String(alg)} without a signature`);
      assert.equal(reason(both.verify(`${header}.${payload}.${b64('x'.repeat(32))}`, NOW)), 'algorithm', String(alg));
    }
    assert.equal(reason(new JwtVerifier({ hs256Secret: SECRET }).verify(eddsa(), NOW)), 'algorithm', 'EdDSA to an HS256-only server');
  });

  it('algorithm confusion: an HS256 token "signed" with the public key text never passes', () => {
    const forged = signJwt(claims({ herald: ['*:>'] }), { alg: 'HS256', secret: publicPem });
    assert.equal(reason(new JwtVerifier({ ed25519PublicKey: publicPem }).verify(forged, NOW)), 'algorithm', 'EdDSA-only server');
    assert.equal(reason(both.verify(forged, NOW)), 'signature', 'HS256 is checked with the secret, never with the public key');
    const jwk = JSON.stringify(ed.publicKey.export({ format: 'jwk' }));
    assert.equal(reason(both.verify(signJwt(claims(), { alg: 'HS256', secret: jwk }), NOW)), 'signature');
  });

  it('checks typ and refuses critical header extensions', () => {
    assert.ok(both.verify(hs({}, { typ: 'jwt' }), NOW).ok);
    assert.ok(both.verify(hs({}, { typ: 'application/JWT' }), NOW).ok);
    assert.ok(both.verify(hs({}, { typ: undefined }), NOW).ok, 'typ may be absent');
    for (const header of [{ typ: 'at+jwt' }, { typ: 'JWS' }, { typ: 1 }, { crit: ['b64'], b64: false }]) {
      assert.equal(reason(both.verify(hs({}, header), NOW)), 'header', JSON.stringify(header));
    }
  });

  it('exp is required; exp, nbf and iat are checked with the leeway', () => {
    assert.equal(reason(both.verify(hs({ exp: undefined }), NOW)), 'claims', 'no exp');
    assert.equal(reason(both.verify(hs({ exp: String(sec + 60) }), NOW)), 'claims', 'exp not a number');
    assert.ok(both.verify(hs({ exp: sec - 29 }), NOW).ok, 'expired 29 s ago: within the leeway');
    assert.equal(reason(both.verify(hs({ exp: sec - 30 }), NOW)), 'expired');
    assert.ok(both.verify(hs({ nbf: sec + 29 }), NOW).ok, 'valid in 29 s: within the leeway');
    assert.equal(reason(both.verify(hs({ nbf: sec + 31 }), NOW)), 'not-yet-valid');
    assert.equal(reason(both.verify(hs({ iat: sec + 120 }), NOW)), 'not-yet-valid', 'issued in the future');
    assert.equal(reason(both.verify(hs({ nbf: 'soon' }), NOW)), 'claims');
    const strict = new JwtVerifier({ hs256Secret: SECRET, leewaySeconds: 0 });
    assert.equal(reason(strict.verify(hs({ exp: sec }), NOW)), 'expired', 'no leeway: exp is the first instant it is refused');
    assert.ok(strict.verify(hs({ exp: sec + 1, nbf: sec, iat: sec }), NOW).ok);
  });

  it('checks iss and aud when configured; refuses a token for another audience when not', () => {
    const v = new JwtVerifier({ hs256Secret: SECRET, issuer: 'https://auth.example.com', audience: 'herald' });
    const ok = { iss: 'https://auth.example.com', aud: 'herald' };
    assert.ok(v.verify(hs(ok), NOW).ok);
    assert.ok(v.verify(hs({ ...ok, aud: ['billing', 'herald'] }), NOW).ok, 'aud may be a list');
    assert.equal(reason(v.verify(hs({ ...ok, iss: 'https://evil.example.com' }), NOW)), 'issuer');
    assert.equal(reason(v.verify(hs({ ...ok, iss: undefined }), NOW)), 'issuer');
    assert.equal(reason(v.verify(hs({ ...ok, aud: 'billing' }), NOW)), 'audience');
    assert.equal(reason(v.verify(hs({ ...ok, aud: undefined }), NOW)), 'audience');
    assert.equal(reason(both.verify(hs({ aud: 'billing' }), NOW)), 'audience', 'a token meant for someone else');
    assert.ok(both.verify(hs({ iss: 'anyone' }), NOW).ok, 'no issuer configured: iss is not checked');
  });

  it('refuses malformed tokens without reading further', () => {
    const [h, p, s] = hs().split('.') as [string, string, string];
    const cases = [
      '', 'abc', `${h}.${p}`, `${h}.${p}.${s}.${s}`, `${h}..${s}`, `.${p}.${s}`, `${h}.${p}.`, `${h}=.${p}.${s}`,
      `${h}.${p}+.${s}`, `${h} .${p}.${s}`, `${b64('not json')}.${p}.${s}`, `${b64([1])}.${p}.${s}`,
    ];
    for (const token of cases) assert.equal(reason(both.verify(token, NOW)), 'malformed', token);
    assert.equal(reason(both.verify(`${h}.${p}.${s}=`, NOW)), 'malformed', 'padding');
    // A 32-byte signature is 43 characters; the last one carries 4 unused bits. Setting one decodes
    // to the same bytes in a lenient decoder: a second spelling of the same token is refused.
    const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const strayBits = `${s.slice(0, -1)}${ALPHABET[ALPHABET.indexOf(s.at(-1)!) + 1]!}`;
    assert.ok(Buffer.from(strayBits, 'base64url').equals(Buffer.from(s, 'base64url')));
    assert.equal(reason(both.verify(`${h}.${p}.${strayBits}`, NOW)), 'malformed', 'stray bits');
    const arrayPayload = signJwt(claims(), { alg: 'HS256', secret: SECRET }).split('.');
    assert.equal(reason(both.verify(`${arrayPayload[0]!}.${b64([1, 2])}.${s}`, NOW)), 'signature', 'the signature is checked before the payload is read');
    assert.equal(reason(both.verify(`${h}.${p}${'A'.repeat(9000)}.${s}`, NOW)), 'too-long');
  });

  it('validates the claims: sub, tenant, and the permissions with the API keys\' grammar', () => {
    for (const [extra, what] of [
      [{ sub: undefined }, 'no sub'], [{ sub: '' }, 'empty sub'], [{ sub: 42 }, 'sub not a string'], [{ sub: 'a b' }, 'sub with a space'],
      [{ sub: 'x'.repeat(201) }, 'sub too long'], [{ tenant: 'Acme' }, 'tenant with capitals'], [{ tenant: 'a__b' }, 'tenant with _'],
      [{ tenant: 7 }, 'tenant not a string'], [{ tenant: null }, 'tenant null'], [{ herald: undefined }, 'no permissions'], [{ herald: [] }, 'empty permissions'],
      [{ herald: 'publish:>' }, 'permissions not a list'], [{ herald: ['fly:>'] }, 'unknown action'], [{ herald: ['read:orders.>.x'] }, 'bad pattern'],
      [{ herald: { grants: [{ actions: ['read'], pattern: '>' }] } }, 'another shape'],
    ] as const) {
      assert.equal(reason(both.verify(hs(extra), NOW)), 'claims', what);
    }
    const noTenant = both.verify(hs({ tenant: undefined }), NOW);
    assert.ok(noTenant.ok && noTenant.identity.tenant === 'default', 'no tenant claim: the default tenant');
    const globexDefault = new JwtVerifier({ hs256Secret: SECRET, defaultTenant: 'globex' }).verify(hs({ tenant: undefined }), NOW);
    assert.ok(globexDefault.ok && globexDefault.identity.tenant === 'globex');
    const all = both.verify(hs({ herald: ['*:>'] }), NOW);
    assert.ok(all.ok && all.identity.grants[0]!.actions.length === ACTIONS.length);
  });

  it('reads the permissions from the configured claim only (namespaced claim names are fine)', () => {
    const v = new JwtVerifier({ hs256Secret: SECRET, claim: 'https://herald.dev/permissions' });
    const result = v.verify(hs({ herald: undefined, 'https://herald.dev/permissions': ['read:orders'] }), NOW);
    assert.ok(result.ok && result.identity.grants[0]!.pattern === 'orders');
    assert.equal(reason(v.verify(hs(), NOW)), 'claims', 'the default claim is not read');
  });

  it('checks its configuration, naming the field and never quoting a secret', () => {
    const invalid = (options: JwtOptions, field: string): void => {
      assert.throws(() => new JwtVerifier(options), (e: unknown) => isHeraldError(e, 'HERALD_E_INVALID_ARGUMENT') && e.details.field === field && !e.message.includes('short-secret'), field);
    };
    invalid({}, 'jwt');
    invalid({ hs256Secret: 'short-secret' }, 'jwt.hs256Secret');
    invalid({ ed25519PublicKey: ed.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() }, 'jwt.ed25519PublicKey');
    invalid({ ed25519PublicKey: ed.privateKey.export({ format: 'jwk' }) }, 'jwt.ed25519PublicKey');
    invalid({ ed25519PublicKey: generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'pem' }).toString() }, 'jwt.ed25519PublicKey');
    invalid({ ed25519PublicKey: 'not a key' }, 'jwt.ed25519PublicKey');
    invalid({ hs256Secret: SECRET, leewaySeconds: -1 }, 'jwt.leewaySeconds');
    invalid({ hs256Secret: SECRET, leewaySeconds: 3600 }, 'jwt.leewaySeconds');
    invalid({ hs256Secret: SECRET, claim: 'sub' }, 'jwt.claim');
    invalid({ hs256Secret: SECRET, claim: 'has space' }, 'jwt.claim');
    invalid({ hs256Secret: SECRET, issuer: '' }, 'jwt.issuer');
    invalid({ hs256Secret: SECRET, audience: 5 as unknown as string }, 'jwt.audience');
    invalid({ hs256Secret: SECRET, defaultTenant: 'A_B' }, 'jwt.defaultTenant');
    invalid({ hs256Secret: SECRET, maxTokenLength: 10 }, 'jwt.maxTokenLength');
  });
});

describe('JWT helpers', () => {
  it('looksLikeJws tells a compact token from a subprotocol name or an API key', () => {
    assert.ok(looksLikeJws(hs()));
    for (const text of ['herald.v1', 'hk_0123456789abcdef_x', 'a.b.', 'a b.c.d', '']) assert.ok(!looksLikeJws(text), text);
  });

  it('log lines never hold a token, wherever it appears', () => {
    const token = hs();
    const line = JSON.stringify({ msg: 'x', url: `/v1/topics?access_token=${token}`, header: `Bearer ${token}`, cookie: `t=${token}`, body: `{"t":"${token}"}` });
    const redacted = redactSecrets(line);
    assert.ok(!redacted.includes(token.split('.')[1]!) && !redacted.includes(token.split('.')[2]!), redacted);
    assert.ok(redacted.includes('access_token=eyJ***'));
  });
});
