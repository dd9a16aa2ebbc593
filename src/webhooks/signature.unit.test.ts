import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { isHeraldError } from '../core/errors.js';
import { newWebhookSecret, secretKey, signWebhook, verifyWebhook } from './signature.js';

const refused = (pattern: RegExp) => (e: unknown): boolean => isHeraldError(e, 'HERALD_E_BAD_SIGNATURE') && pattern.test(e.message);

describe('webhook signatures, cross-checked with the standardwebhooks package', () => {
  const secret = newWebhookSecret();
  const key = secretKey(secret);
  const body = JSON.stringify({ specversion: '1.0', id: 'evt_1', type: 'order.placed', data: { total: 12.5, note: 'ünïcode ✓' } });
  const now = Math.floor(Date.now() / 1000);

  it('signs what the package verifies, and the package signs what herald verifies', () => {
    const headers = signWebhook(key, 'evt_1', now, body);
    assert.deepEqual(new StandardWebhook(secret).verify(body, { ...headers }), JSON.parse(body));
    const theirs = new StandardWebhook(secret).sign('evt_2', new Date(now * 1000), body);
    assert.equal(signWebhook(key, 'evt_2', now, body)['webhook-signature'], theirs);
    verifyWebhook(secret, { 'webhook-id': 'evt_2', 'webhook-timestamp': String(now), 'webhook-signature': `v1,AAAA ${theirs}` }, body);
  });

  it('refuses a changed body, id or timestamp, another secret, and old or future timestamps', () => {
    const headers = { ...signWebhook(key, 'evt_1', now, body) };
    assert.throws(() => verifyWebhook(secret, headers, body.replace('12.5', '1250')), refused(/no webhook-signature matches/));
    assert.throws(() => verifyWebhook(secret, { ...headers, 'webhook-id': 'evt_9' }, body), refused(/no webhook-signature matches/));
    assert.throws(() => verifyWebhook(newWebhookSecret(), headers, body), refused(/no webhook-signature matches/));
    assert.throws(() => verifyWebhook(secret, headers, body, { now: (now + 301) * 1000 }), refused(/tolerance/));
    assert.throws(() => verifyWebhook(secret, headers, body, { now: (now - 301) * 1000 }), refused(/tolerance/));
    assert.throws(() => verifyWebhook(secret, { ...headers, 'webhook-signature': undefined }, body), refused(/webhook-signature header is missing/));
    assert.throws(() => verifyWebhook(secret, { ...headers, 'webhook-timestamp': '1e9' }, body), refused(/whole seconds/));
    assert.throws(() => verifyWebhook(secret, { ...headers, 'webhook-signature': headers['webhook-signature'].replace('v1,', 'v2,') }, body), refused(/no webhook-signature/));
    assert.throws(() => new StandardWebhook(secret).verify(body.replace('12.5', '1250'), headers));
    // The last base64 character of a 32-byte MAC carries 4 bits and 2 unused ones: another
    // spelling that decodes to the same bytes is still refused.
    const sig = headers['webhook-signature'];
    const last = sig.at(-2)!;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    const twin = alphabet[alphabet.indexOf(last) ^ 1]!;
    const malleated = `${sig.slice(0, -2)}${twin}=`;
    assert.deepEqual(Buffer.from(malleated.slice(3), 'base64'), Buffer.from(sig.slice(3), 'base64'), 'the twin decodes to the same MAC');
    assert.throws(() => verifyWebhook(secret, { ...headers, 'webhook-signature': malleated }, body), refused(/no webhook-signature matches/));
  });

  it('takes only whsec_ secrets of 24-64 key bytes, and never repeats one in an error', () => {
    for (const bad of ['', 'whsec_', 'whsec_c2hvcnQ=', `whsec_${'A'.repeat(100)}`, 'sk_live_abcdefabcdefabcdefabcdefabcdef', 'whsec_not base64 at all!!!!!!!!!!!!!!!!!!']) {
      assert.throws(() => secretKey(bad), (e: unknown) => isHeraldError(e, 'HERALD_E_INVALID_ARGUMENT') && (bad.length < 8 || !e.message.includes(bad.slice(6))), bad);
    }
    assert.equal(secretKey(secret).length, 32);
  });
});
