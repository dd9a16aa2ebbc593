import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { isHeraldError } from '../core/errors.js';
import { loadJwtOptions } from './jwt-config.js';
import { signJwt } from './jwt-encoding.js';
import { JwtVerifier } from './jwt.js';

/** `herald serve --jwt-secret-file/--jwt-public-key`: the key material comes from files, never from argv. */
describe('loadJwtOptions', () => {
  const dir = mkdtempSync(join(tmpdir(), 'herald-jwt-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string): string => {
    const path = join(dir, name);
    writeFileSync(path, text, { mode: 0o600 });
    return path;
  };

  it('reads the secret (without its trailing newline) and the public key; tokens signed for them verify', () => {
    const secret = 'from-a-file-0123456789-0123456789-abc';
    const ed = generateKeyPairSync('ed25519');
    const options = loadJwtOptions({
      secretFile: file('secret', `${secret}\n`),
      publicKeyFile: file('key.pem', ed.publicKey.export({ type: 'spki', format: 'pem' }).toString()),
      issuer: 'https://auth.test', audience: 'herald',
    });
    assert.equal(options?.hs256Secret, secret);
    assert.equal(options?.issuer, 'https://auth.test');
    const verifier = new JwtVerifier(options);
    const claims = { sub: 's', iss: 'https://auth.test', aud: 'herald', exp: Date.now() / 1000 + 60, herald: ['read:>'] };
    assert.ok(verifier.verify(signJwt(claims, { alg: 'HS256', secret })).ok);
    assert.ok(verifier.verify(signJwt(claims, { alg: 'EdDSA', privateKey: ed.privateKey })).ok);
    const jwk = loadJwtOptions({ publicKeyFile: file('key.jwk', JSON.stringify(ed.publicKey.export({ format: 'jwk' }))) });
    const forAnyone = { ...claims, aud: undefined };
    assert.ok(new JwtVerifier(jwk!).verify(signJwt(forAnyone, { alg: 'EdDSA', privateKey: ed.privateKey })).ok, 'a JWK file');
  });

  it('nothing given: no JWT; an issuer alone or an unreadable file is an error naming the option', () => {
    assert.equal(loadJwtOptions({}), undefined);
    assert.throws(() => loadJwtOptions({ issuer: 'x' }), (e: unknown) => isHeraldError(e, 'HERALD_E_INVALID_ARGUMENT') && e.details.field === 'jwtIssuer');
    assert.throws(() => loadJwtOptions({ secretFile: join(dir, 'missing') }), (e: unknown) => isHeraldError(e) && e.details.field === 'jwtSecretFile' && /ENOENT/.test(e.message));
  });

  it('a secret file that is too short is refused by the server without quoting it', () => {
    const options = loadJwtOptions({ secretFile: file('short', 'tiny-secret\n') });
    assert.throws(() => new JwtVerifier(options!), (e: unknown) => isHeraldError(e) && e.details.field === 'jwt.hs256Secret' && !e.message.includes('tiny-secret'));
  });
});
