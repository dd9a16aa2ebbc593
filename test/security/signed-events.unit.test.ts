import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { describe, it, mock } from 'node:test';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HandlerContext } from '../../src/consumer/types.js';
import { canonicalJson } from '../../src/core/canonical-json.js';
import { createEvent, type CloudEvent } from '../../src/core/envelope.js';
import { HeraldError } from '../../src/core/errors.js';
import { ReplayGuard } from '../../src/security/replay-guard.js';
import { signEvent, type SigningKey, type VerifyingKey } from '../../src/security/signing.js';
import { verifySignatures } from '../../src/security/verify-signatures.js';
import { baseSeed, random } from '../conformance/random.js';

/**
 * RELIABILITY S4, walked in the row's order: a 1-bit tamper → reject; an unsigned extension →
 * strip; a replay of source+id → reject; ±301 s → reject; an unknown or revoked key → reject;
 * two signatures during a rotation → accept; and the MAC comparison is `timingSafeEqual`.
 * Everything goes through the consumer middleware, as a subscription would run it.
 */
const FLIPS = Number(process.env.HERALD_S4_FLIPS ?? 40);
const seed = baseSeed();
console.log(`S4 signed events seed ${seed} (replay with HERALD_SEED=${seed})`);
const rng = random(seed);

const hmacKey = (id: string, fill: number): SigningKey & VerifyingKey => ({ id, algorithm: 'hmac-sha256', secret: 'whsec_' + Buffer.alloc(32, fill).toString('base64') });
const oldKey = hmacKey('pay-2025', 1);
const newKey = hmacKey('pay-2026', 2);
const pair = crypto.generateKeyPairSync('ed25519');
const edKey: SigningKey = { id: 'pay-ed', algorithm: 'ed25519', privateKey: pair.privateKey };
const edVerify: VerifyingKey = { id: 'pay-ed', algorithm: 'ed25519', publicKey: pair.publicKey };

const payment = (id = `e-${rng.int(1e9)}`, source = 'urn:svc:pay'): CloudEvent => createEvent({
  id, source, type: 'payment.captured', subject: 'order-7', key: 'o-7',
  data: { amount: 1250, currency: 'EUR', card: { last4: '4242' }, note: 'first order' },
});

/** A consumer: the middleware in front of a handler that records what it was given. */
function consumer(keys: readonly VerifyingKey[], options: { allowedKeys?: string[]; guard?: ReplayGuard } = {}) {
  const handled: CloudEvent[] = [];
  const handler = verifySignatures({ keys, ...options })((event) => { handled.push(event); });
  let position = 0;
  const deliver = async (event: CloudEvent, at: { topic?: string; position?: number; appendedAt?: number } = {}): Promise<void> => {
    const ctx: HandlerContext = {
      delivery: { topic: at.topic ?? 'payments', position: at.position ?? ++position, appendedAt: at.appendedAt ?? Date.now(), group: 'g', attempt: 1, leaseId: 1, leaseUntil: 0 },
      signal: new AbortController().signal,
    };
    await handler(event, ctx);
  };
  return { handled, deliver };
}

/** The checkout this test was built from (the folder with package.json above the compiled file). */
function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) || !existsSync(join(dir, 'src'))) {
    if (dirname(dir) === dir) throw new Error('no package.json above the test');
    dir = dirname(dir);
  }
  return dir;
}

const refused = (code: string) => (e: unknown): boolean => e instanceof HeraldError && e.code === code && e.retryable === false;

/** `text` with bit `bit` of UTF-16 code unit `at` flipped. */
const flipString = (text: string, at: number, bit: number): string => text.slice(0, at) + String.fromCharCode(text.charCodeAt(at) ^ (1 << bit)) + text.slice(at + 1);

/** `value` with one bit flipped: in a string's code unit, a number's binary64 form or, for data, the JSON text (until it parses again to something else). */
function flipOneBit(value: unknown): unknown {
  if (typeof value === 'string') return flipString(value, rng.int(value.length), rng.int(7));
  if (typeof value === 'number') {
    const bytes = Buffer.alloc(8);
    bytes.writeDoubleBE(value);
    for (;;) {
      const copy = Buffer.from(bytes);
      const at = rng.int(8);
      copy[at] = copy[at]! ^ (1 << rng.int(8));
      const flipped = copy.readDoubleBE();
      if (Number.isFinite(flipped) && flipped !== value) return flipped;
    }
  }
  const text = JSON.stringify(value);
  for (;;) {
    try {
      const parsed: unknown = JSON.parse(flipString(text, rng.int(text.length), rng.int(7)));
      if (canonicalJson(parsed) !== canonicalJson(value)) return parsed;
    } catch {
      // not JSON any more: it would never have decoded into an event; flip another bit
    }
  }
}

describe('S4: signed events through the consumer middleware', () => {
  const counts = { tampered: 0, stripped: 0, replays: 0, skewed: 0, badKeys: 0, rotations: 0 };

  it('1. a 1-bit tamper in the data or in any signed attribute is rejected', async () => {
    const { handled, deliver } = consumer([oldKey, edVerify]);
    for (const key of [oldKey, edKey]) {
      const signed = signEvent(payment(), key);
      const attributes = Object.keys(signed).filter((name) => name !== 'heraldsig');
      assert.ok(attributes.includes('heraldsigattrs') && attributes.includes('data') && attributes.includes('heraldts'));
      for (const name of attributes) {
        for (let i = 0; i < FLIPS; i++) {
          const tampered = { ...signed, [name]: flipOneBit(signed[name]) } as CloudEvent;
          await assert.rejects(deliver(tampered), refused('HERALD_E_BAD_SIGNATURE'), `${key.id}: a flipped bit in ${name} (seed ${seed})`);
          counts.tampered++;
        }
      }
      const sig = String(signed.heraldsig);
      for (let i = 0; i < FLIPS; i++) {
        const at = sig.lastIndexOf(',') + 1 + rng.int(sig.length - sig.lastIndexOf(',') - 1);
        await assert.rejects(deliver({ ...signed, heraldsig: flipString(sig, at, rng.int(7)) }), HeraldError, `a flipped bit in the signature (seed ${seed})`);
        counts.tampered++;
      }
      const { subject: _dropped, ...withoutSubject } = signed;
      await assert.rejects(deliver(withoutSubject), refused('HERALD_E_BAD_SIGNATURE'), 'a signed attribute removed');
      await deliver(signed);
    }
    assert.equal(handled.length, 2, 'only the two untouched events reached the handler');
  });

  it('2. an extension attribute added after signing is stripped before the handler', async () => {
    const { handled, deliver } = consumer([oldKey]);
    const signed = signEvent(payment(), oldKey);
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    await deliver({ ...signed, injected: 'admin=true', dataschema: 'urn:evil', traceparent });
    const seen = handled[0]!;
    assert.equal(seen.injected, undefined, 'the unsigned extension is gone');
    assert.equal(seen.dataschema, undefined, 'so is an unsigned standard attribute');
    assert.equal(seen.traceparent, traceparent, 'the trace context (rewritten by tracing, never signed) is kept');
    assert.deepEqual(seen.data, signed.data);
    assert.deepEqual({ ...seen, traceparent: undefined }, { ...signed, traceparent: undefined }, 'exactly the signed event');
    counts.stripped += 2;
    await assert.rejects(deliver({ ...signed, heraldsigattrs: `${String(signed.heraldsigattrs)},injected`, injected: 'x' }), refused('HERALD_E_BAD_SIGNATURE'), 'the list of signed attributes is itself signed');
    const legacy = signEvent(payment(), oldKey);
    const { heraldsigattrs: _list, ...unlisted } = legacy;
    await assert.rejects(deliver(unlisted), refused('HERALD_E_BAD_SIGNATURE'), 'dropping the list does not turn stripping off');
  });

  it('3. a replay of the same source and id is rejected; another source with the same id is not a replay', async () => {
    const guard = new ReplayGuard();
    const { handled, deliver } = consumer([oldKey], { guard });
    const signed = signEvent(payment('e-42'), oldKey);
    await deliver(signed, { topic: 'payments', position: 10 });
    await deliver(signed, { topic: 'payments', position: 10 });
    await assert.rejects(deliver(signed, { topic: 'payments', position: 11 }), refused('HERALD_E_REPLAYED'), 'the same position later in the log');
    await assert.rejects(deliver(signed, { topic: 'payments.copy', position: 10 }), refused('HERALD_E_REPLAYED'), 'copied onto another topic');
    counts.replays += 2;
    await deliver(signEvent(payment('e-42', 'urn:svc:refunds'), oldKey), { topic: 'payments', position: 12 });
    assert.equal(handled.length, 3, 'a redelivery of one position and another producer\'s e-42 pass');
  });

  it('4. a timestamp 301 s off, either way, is rejected; 299 s is not', async () => {
    const { handled, deliver } = consumer([oldKey]);
    const appendedAt = Date.now();
    for (const offset of [-301, 301, -3600, 86_400]) {
      await assert.rejects(deliver(signEvent(payment(), oldKey, appendedAt + offset * 1000), { appendedAt }), refused('HERALD_E_BAD_SIGNATURE'), `${offset} s`);
      counts.skewed++;
    }
    for (const offset of [-299, 299]) await deliver(signEvent(payment(), oldKey, appendedAt + offset * 1000), { appendedAt });
    assert.equal(handled.length, 2);
  });

  it('5. an unknown or a revoked key is rejected', async () => {
    const stranger = hmacKey('pay-2026', 9); // a known id, another secret
    const cases: [string, ReturnType<typeof consumer>, CloudEvent][] = [
      ['a key id the ring does not have', consumer([oldKey]), signEvent(payment(), hmacKey('intruder', 3))],
      ['a known id signed with another secret', consumer([newKey]), signEvent(payment(), stranger)],
      ['a key revoked by leaving it out of allowedKeys', consumer([oldKey, newKey], { allowedKeys: ['pay-2026'] }), signEvent(payment(), oldKey)],
      ['a key revoked by removing it from the ring', consumer([newKey]), signEvent(payment(), oldKey)],
    ];
    for (const [what, c, event] of cases) {
      await assert.rejects(c.deliver(event), refused('HERALD_E_BAD_SIGNATURE'), what);
      assert.equal(c.handled.length, 0, what);
      counts.badKeys++;
    }
  });

  it('6. two signatures during a key rotation are accepted by old, new and mixed verifiers', async () => {
    const rotated = signEvent(payment(), [oldKey, newKey]);
    assert.equal(String(rotated.heraldsig).split(' ').length, 2);
    const verifiers = [consumer([oldKey]), consumer([newKey]), consumer([oldKey, newKey], { allowedKeys: ['pay-2026'] }), consumer([oldKey, newKey], { allowedKeys: ['pay-2025'] })];
    for (const v of verifiers) await v.deliver(rotated);
    const partly = consumer([oldKey, newKey]);
    for (const order of [(a: string, b: string) => `${a.slice(0, -4)}AAA= ${b}`, (a: string, b: string) => `${b} ${a}`]) {
      const again = signEvent(payment(), [oldKey, newKey]);
      const [first, second] = String(again.heraldsig).split(' ') as [string, string];
      await partly.deliver({ ...again, heraldsig: order(first, second) }); // one broken signature, or the new key's first
    }
    const mixed = signEvent(payment(), [oldKey, edKey]);
    await consumer([edVerify]).deliver(mixed);
    for (const v of [...verifiers, partly]) assert.ok(v.handled.length > 0);
    counts.rotations = verifiers.length + 3;
    console.log(`S4 figures: ${JSON.stringify(counts)}`);
  });

  it('the HMAC comparison is crypto.timingSafeEqual, never ===/equals', async () => {
    const spy = mock.method(crypto, 'timingSafeEqual');
    syncBuiltinESMExports(); // so signing.ts's named import sees the spy
    try {
      const { deliver } = consumer([oldKey]);
      await deliver(signEvent(payment(), oldKey));
      const signed = signEvent(payment(), oldKey);
      await assert.rejects(deliver({ ...signed, data: { amount: 1 } }));
      assert.equal(spy.mock.callCount(), 2, 'one constant-time comparison per verification, match or not');
    } finally {
      spy.mock.restore();
      syncBuiltinESMExports();
    }
    const source = readFileSync(join(repoRoot(), 'src/security/signing.ts'), 'utf8');
    assert.doesNotMatch(source, /\.equals\(|\b(given|expected)\s*[!=]==|[!=]==\s*(given|expected)\b(?!\.length)|\.compare\(/, 'no early-exit comparison of MACs in signing.ts');
  });
});
