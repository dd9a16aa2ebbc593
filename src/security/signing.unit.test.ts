import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import { canonicalJson } from '../core/canonical-json.js';
import { createEvent, type CloudEvent } from '../core/envelope.js';
import { HeraldError } from '../core/errors.js';
import type { HandlerContext } from '../consumer/types.js';
import { ReplayGuard } from './replay-guard.js';
import { KeyRing, signEvent, signedContent, type SigningKey } from './signing.js';
import { verifySignatures } from './verify-signatures.js';

const secret = 'whsec_' + Buffer.alloc(32, 1).toString('base64');
const hmac: SigningKey = { id: 'k1', algorithm: 'hmac-sha256', secret };
const pair = generateKeyPairSync('ed25519');
const ed: SigningKey = { id: 'ed1', algorithm: 'ed25519', privateKey: pair.privateKey };
const ring = new KeyRing([{ id: 'k1', algorithm: 'hmac-sha256', secret }, { id: 'ed1', algorithm: 'ed25519', publicKey: pair.publicKey }]);
const event = (id = 'e-1'): CloudEvent => createEvent({ id, type: 'payment.captured', source: 'urn:svc:pay', data: { amount: 5, currency: 'EUR' }, key: 'o-1' });
const refusal = (code: string, pattern: RegExp) => (e: unknown): boolean => e instanceof HeraldError && e.code === code && pattern.test(e.message);

describe('canonical JSON (RFC 8785 subset)', () => {
  it('sorts members by UTF-16 code units, drops undefined, and serialises numbers as ECMAScript does', () => {
    assert.equal(canonicalJson({ b: 1, a: [true, null, 'x'], c: undefined, '\u00e9': 2, 'Z': 1e21, n: 0.1 + 0.2 }), '{"Z":1e+21,"a":[true,null,"x"],"b":1,"n":0.30000000000000004,"é":2}');
    assert.equal(canonicalJson({ '\u20ac': 1, '\r': 2, '\ud83d\ude00': 3, '1': 4 }), '{"\\r":2,"1":4,"€":1,"😀":3}');
    assert.throws(() => canonicalJson({ x: Number.NaN }), /value\.x/);
  });
});

describe('signed events', () => {
  it('sign and verify with HMAC-SHA256 and Ed25519; attribute order and trace context do not matter', () => {
    for (const key of [hmac, ed]) {
      const signed = signEvent(event(), key);
      assert.match(String(signed.heraldsig), key.algorithm === 'ed25519' ? /^v1a,ed1,/ : /^v1,k1,/);
      assert.equal(ring.verify(signed), key.id);
      const reordered = Object.fromEntries(Object.entries(signed).reverse()) as CloudEvent;
      assert.equal(ring.verify({ ...reordered, traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' }), key.id);
    }
    assert.match(signedContent(event(), 1700000000).toString(), /^e-1\.1700000000\.\{"data":\{"amount":5,"currency":"EUR"\},"datacontenttype":"application\/json","id":"e-1","partitionkey":"o-1"/);
  });

  it('refuses a changed attribute, changed data, a changed timestamp, an unknown or disallowed key, and a stale or future timestamp', () => {
    const signed = signEvent(event(), hmac);
    assert.throws(() => ring.verify({ ...signed, data: { amount: 500, currency: 'EUR' } }), refusal('HERALD_E_BAD_SIGNATURE', /does not verify/));
    assert.throws(() => ring.verify({ ...signed, partitionkey: 'o-2' }), refusal('HERALD_E_BAD_SIGNATURE', /does not verify/));
    assert.throws(() => ring.verify({ ...signed, heraldts: Number(signed.heraldts) + 1 }), refusal('HERALD_E_BAD_SIGNATURE', /does not verify/));
    assert.throws(() => ring.verify(signed, { allowedKeys: ['ed1'] }), refusal('HERALD_E_BAD_SIGNATURE', /no signature by an allowed key \(ed1\)/));
    assert.throws(() => new KeyRing([]).verify(signed), refusal('HERALD_E_BAD_SIGNATURE', /known key/));
    assert.throws(() => ring.verify(event()), refusal('HERALD_E_BAD_SIGNATURE', /not signed/));
    assert.throws(() => ring.verify(signEvent(event(), hmac, Date.now() - 301_000)), refusal('HERALD_E_BAD_SIGNATURE', /tolerance/));
    assert.throws(() => ring.verify(signEvent(event(), hmac, Date.now() + 301_000)), refusal('HERALD_E_BAD_SIGNATURE', /tolerance/));
    assert.equal(ring.verify(signEvent(event(), hmac, Date.now() - 290_000)), 'k1', 'inside the window');
    assert.throws(() => signEvent(event(), { id: 'weak', algorithm: 'hmac-sha256', secret: 'short' }), /at least 16 bytes/);
  });

  it('the consumer middleware: verifies against the append time, refuses tampered and replayed copies, lets redeliveries through', async () => {
    const guard = new ReplayGuard();
    const handled: string[] = [];
    const handler = verifySignatures({ keys: ring, guard })((e) => { handled.push(e.id); });
    const ctx = (topic: string, position: number, appendedAt = Date.now()): HandlerContext => ({
      delivery: { topic, position, appendedAt, group: 'g', attempt: 1, leaseId: 1, leaseUntil: 0 }, signal: new AbortController().signal,
    });
    const signed = signEvent(event('e-7'), hmac);
    await handler(signed, ctx('payments', 1));
    await handler(signed, ctx('payments', 1));
    assert.deepEqual(handled, ['e-7', 'e-7'], 'a redelivery of the same position is not a replay');
    await assert.rejects(Promise.resolve(handler(signed, ctx('payments.copy', 1))), refusal('HERALD_E_REPLAYED', /already accepted/));
    await assert.rejects(Promise.resolve(handler({ ...signed, id: 'e-8' }, ctx('payments', 2))), refusal('HERALD_E_BAD_SIGNATURE', /does not verify/));
    const old = signEvent(event('e-9'), hmac, Date.now() - 3_600_000);
    await handler(old, ctx('payments', 3, Date.now() - 3_590_000));
    assert.equal(handled.at(-1), 'e-9', 'a backlog read an hour later verifies: it was appended in time');
    await assert.rejects(Promise.resolve(handler(signEvent(event('e-10'), hmac, Date.now() - 3_600_000), ctx('payments', 4))), refusal('HERALD_E_BAD_SIGNATURE', /tolerance/));
    assert.equal(new HeraldError('HERALD_E_REPLAYED', 'x').retryable, false, 'refusals go to the dead-letter topic at once');
  });
});
