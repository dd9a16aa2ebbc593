import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bearerToken, generateApiKey, hashKey, keyIdOf, keyMatches } from './api-keys.js';
import { redactSecrets } from './redact.js';

describe('API keys', () => {
  it('are hk_<id>_<secret>, random, and stored as a SHA-256 hash', () => {
    const a = generateApiKey();
    const b = generateApiKey();
    assert.match(a.key, /^hk_[a-z0-9]{16}_[A-Za-z0-9_-]{43}$/);
    assert.notEqual(a.key, b.key);
    assert.equal(keyIdOf(a.key), a.id);
    assert.equal(a.hash, hashKey(a.key));
    assert.match(a.hash, /^[0-9a-f]{64}$/);
    // The whole secret, after `hk_<id>_`: it is base64url, so it may contain '_' itself.
    assert.ok(!a.hash.includes(a.key.slice(a.key.indexOf('_', 3) + 1)));
  });

  it('match only their own hash', () => {
    const a = generateApiKey();
    assert.ok(keyMatches(a.key, a.hash));
    assert.ok(!keyMatches(a.key, generateApiKey().hash));
    assert.ok(!keyMatches(`${a.key.slice(0, -1)}x`, a.hash));
    assert.ok(!keyMatches(a.key, undefined));
  });

  it('reject malformed keys and read bearer tokens', () => {
    for (const bad of ['', 'hk_', 'hk_abc_def', `hk_${'A'.repeat(16)}_${'a'.repeat(43)}`, `xx_${'a'.repeat(16)}_${'a'.repeat(43)}`]) assert.equal(keyIdOf(bad), undefined, bad);
    assert.equal(bearerToken('Bearer abc'), 'abc');
    assert.equal(bearerToken('bearer   abc '), 'abc');
    assert.equal(bearerToken('Basic abc'), undefined);
    assert.equal(bearerToken(undefined), undefined);
  });

  it('secrets are redacted from log text, ids are kept', () => {
    const { key, id } = generateApiKey();
    const text = redactSecrets(`auth failed for ${key}; header "Bearer ${key}"; Bearer sometoken; url http://u:pw@host/x`);
    assert.ok(!text.includes(key.slice(20)), text);
    assert.ok(text.includes(`hk_${id}_***`));
    assert.ok(!text.includes('sometoken'));
    assert.ok(!text.includes(':pw@'));
  });
});
