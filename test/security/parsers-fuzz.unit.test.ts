import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { InvalidArgumentError } from 'commander';
import fc from 'fast-check';
import { collectTypes, parseFrom, parsePoint, parseTopic } from '../../src/cli/args.js';
import { canonicalJson } from '../../src/core/canonical-json.js';
import { createEvent, envelopeIssues, type CloudEvent } from '../../src/core/envelope.js';
import { MemoryLog } from '../../src/log/memory/index.js';
import { bearerToken, keyIdOf } from '../../src/security/api-keys.js';
import { looksLikeJws, signJwt } from '../../src/security/jwt-encoding.js';
import { JwtVerifier } from '../../src/security/jwt.js';
import { KeyStore } from '../../src/security/key-store.js';
import { patternIssue, matches } from '../../src/security/patterns.js';
import { formatGrant, parseGrant } from '../../src/security/permissions.js';
import { KeyRing, signEvent, stripUnsigned } from '../../src/security/signing.js';
import { decodeCloudEvents } from '../../src/server/cloudevents/decode.js';
import { BATCH, STRUCTURED } from '../../src/server/cloudevents/media.js';
import { limitQuery, startFromQuery, typesQuery } from '../../src/server/params.js';
import { parseJson } from '../../src/server/safe-json.js';
import { fuzzParser } from './fuzz-harness.js';
import { deepJson, mutated } from './mutate.js';

/**
 * RELIABILITY S3: every parser that reads what a client sends, called directly with grammar-aware
 * inputs and mutants of valid ones (fuzz-harness.ts: HERALD_S3_INPUTS each, HERALD_SEED replays).
 * Each `check` is the parser's documented contract, so a wrong answer fails as a crash does.
 */
const never = (): boolean => false;
const valid = { specversion: '1.0', id: 'e-1', source: 'urn:svc:orders', type: 'order.placed', time: '2026-01-01T00:00:00Z', partitionkey: 'o-1', datacontenttype: 'application/json', data: { total: 12.5, items: [{ sku: 'A', n: 2 }], note: 'é😀' } };
const text = (value: unknown): string => JSON.stringify(value);
const attribute = fc.oneof(fc.string(), fc.constant('1.0'), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constant('__proto__'), fc.object({ maxDepth: 2 }));
const eventish = fc.record({
  specversion: fc.oneof(fc.constant('1.0'), attribute), id: fc.oneof(fc.uuid(), attribute), source: fc.oneof(fc.webUrl(), attribute),
  type: fc.oneof(fc.constant('a.b'), attribute), time: fc.oneof(fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), attribute),
  partitionkey: attribute, datacontenttype: attribute, data: fc.jsonValue({ maxDepth: 4 }), data_base64: fc.oneof(fc.base64String(), attribute),
}, { requiredKeys: [] }).chain((e) => fc.dictionary(fc.string({ maxLength: 24 }), attribute, { maxKeys: 3 }).map((extra) => ({ ...extra, ...e })));
const deepEvent = deepJson.map((data) => `{"specversion":"1.0","id":"d","source":"s","type":"t","data":${data}}`);
const decoded = (result: { events: CloudEvent[] }): void => {
  for (const event of result.events) assert.deepEqual(envelopeIssues(event), [], 'a decoded event is a valid CloudEvent');
};

/** Where a parsed value holds a key that could pollute a prototype once merged (undefined: nowhere). */
function dangerousPath(value: unknown, path = '$'): string | undefined {
  const stack: [unknown, string][] = [[value, path]];
  while (stack.length > 0) {
    const [v, p] = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    for (const key of Object.keys(v)) {
      const child = (v as Record<string, unknown>)[key];
      if (key === '__proto__' || (key === 'constructor' && typeof child === 'object' && child !== null && 'prototype' in child)) return `${p}.${key}`;
      stack.push([child, `${p}.${key}`]);
    }
  }
  return undefined;
}

describe('S3: parser fuzzing', () => {
  it('the harness fails on a crash, a wrong result and prototype pollution', async () => {
    const small = fc.integer({ min: 0, max: 99 });
    await assert.rejects(fuzzParser('crash', small, (n) => { if (n === 7) throw new TypeError('boom'); return n; }), /not a documented refusal/);
    await assert.rejects(fuzzParser('wrong', small, (n) => n, { check: (n) => assert.ok(n !== 3) }), /wrong fuzz failed/);
    await assert.rejects(fuzzParser('pollution', small, (n) => { if (n === 5) (Object.prototype as Record<string, unknown>).polluted = true; return n; }), /prototype pollution/);
    delete (Object.prototype as Record<string, unknown>).polluted;
  });

  it('CloudEvents structured mode', async () => {
    const body = fc.oneof(eventish.map(text), mutated([text(valid), text({ ...valid, data_base64: 'AQID', data: undefined })]), deepEvent, fc.jsonValue().map(text), fc.string({ unit: 'binary' }));
    await fuzzParser('structured', body, (b) => decodeCloudEvents({ 'content-type': STRUCTURED }, Buffer.from(b)), { check: decoded });
  });

  it('CloudEvents batch mode', async () => {
    const body = fc.oneof(fc.array(eventish, { maxLength: 6 }).map(text), mutated([text([valid, { ...valid, id: 'e-2' }]), '[]']), deepEvent.map((e) => `[${e}]`), fc.jsonValue().map(text));
    await fuzzParser('batch', body, (b) => decodeCloudEvents({ 'content-type': `${BATCH}; charset=utf-8` }, Buffer.from(b)), {
      check: (r) => { decoded(r); assert.ok(r.events.length <= 10_000); },
    });
  });

  it('CloudEvents binary mode (ce-* headers and body)', async () => {
    const name = fc.oneof(fc.constantFrom('ce-specversion', 'ce-id', 'ce-source', 'ce-type', 'ce-time', 'ce-partitionkey', 'ce-heraldsig', 'ce-heraldts', 'ce-__proto__', 'ce-constructor', 'ce-', 'content-type', 'content-encoding'), fc.string({ maxLength: 12 }).map((s) => `ce-${s.toLowerCase()}`));
    const value = fc.oneof(mutated(['1.0', 'e-1', 'urn:x', 'a.b', '2026-01-01T00:00:00Z', '%C3%A9', 'application/json', 'text/plain; charset=utf-8', 'application/cloudevents+json', 'identity']), fc.array(fc.string({ maxLength: 10 }), { minLength: 2, maxLength: 3 }));
    // Node hands a repeated header over as one string joined by ', ', except the ones it keeps
    // only once (content-type): an array stays only on ce-* names, as a caller could pass it.
    const single = (h: Record<string, string | string[]>): Record<string, string | string[]> => Object.fromEntries(Object.entries(h).map(([k, v]) => [k, k.startsWith('ce-') || !Array.isArray(v) ? v : v.join(', ')]));
    const headers = fc.dictionary(name, value, { maxKeys: 8 }).map((h) => ({ 'ce-specversion': '1.0', 'ce-id': 'b', 'ce-source': 's', 'ce-type': 't', ...single(h) }));
    const body = fc.option(fc.oneof(mutated([text(valid.data), '"x"', '']).map((s) => Buffer.from(s)), fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)), deepJson.map((s) => Buffer.from(s))), { nil: undefined });
    await fuzzParser('binary', fc.tuple(headers, body), ([h, b]) => decodeCloudEvents(h, b), { check: decoded });
  });

  it('JSON from the network (every JSON body and the data of binary mode)', async () => {
    const input = fc.oneof(mutated([text(valid), '{"a":{"b":[1,2,{"c":null}]}}']), deepJson, fc.jsonValue().map(text), fc.string({ unit: 'binary' }));
    await fuzzParser('json', input, (t) => parseJson(t), { check: (value) => assert.equal(dangerousPath(value), undefined, 'a __proto__ or constructor.prototype key is refused') });
  });

  it('topic patterns: never throw, and match exactly as the NATS-style grammar says', async () => {
    const segment = fc.constantFrom('a', 'b', 'orders', 'x-1', 'E_U');
    const pattern = fc.oneof(fc.array(fc.oneof(segment, fc.constantFrom('*', '>')), { minLength: 1, maxLength: 4 }).map((s) => s.join('.')), mutated(['orders.*', 'orders.>', '>', 'a.*.c']), fc.string({ unit: 'binary', maxLength: 250 }), fc.anything());
    const topic = fc.array(segment, { minLength: 1, maxLength: 5 }).map((s) => s.join('.'));
    /** The reference: a regular expression built from the segments, checked against the hand-written matcher. */
    const oracle = (p: string, t: string): boolean => new RegExp(`^${p.split('.').map((s) => (s === '*' ? '[^.]+' : s === '>' ? '.+' : s)).join('\\.')}$`).test(t);
    await fuzzParser('patterns', fc.tuple(pattern, topic), ([p, t]) => ({ issue: patternIssue(p), p, t }), {
      refusal: never,
      check: ({ issue, p, t }) => {
        if (issue !== undefined || typeof p !== 'string') return;
        assert.equal(matches(p, t), oracle(p, t), `${p} vs ${t}`);
      },
    });
  });

  it('permissions (`actions:pattern`): a result reads back to itself', async () => {
    const grant = fc.oneof(mutated(['publish:orders.>', 'read,subscribe:orders', '*:>', 'admin:a.*.c']), fc.anything());
    await fuzzParser('permissions', grant, (g) => parseGrant(g), {
      check: (g) => { assert.deepEqual(parseGrant(formatGrant(g)), g); assert.equal(patternIssue(g.pattern), undefined); },
    });
  });

  it('filters: the query of reads, tails and streams (from, time, limit, type)', async () => {
    const value = fc.oneof(mutated(['earliest', 'latest', '1', '42', '2026-01-01T00:00:00Z', '1767225600000', 'order.placed']), fc.array(fc.string({ maxLength: 8 }), { minLength: 2, maxLength: 3 }));
    const query = fc.dictionary(fc.constantFrom('from', 'time', 'limit', 'type', '__proto__', 'x'), value, { maxKeys: 4 });
    await fuzzParser('query filters', query, (q) => ({ from: startFromQuery(q), limit: limitQuery(q, 100, 1_000), types: typesQuery(q) }), {
      check: ({ from, limit, types }) => {
        assert.ok(Number.isInteger(limit) && limit >= 1 && limit <= 1_000);
        if (typeof from === 'object') assert.ok('position' in from ? Number.isSafeInteger(from.position) && from.position >= 1 : Number.isFinite(from.time));
        for (const t of types ?? []) assert.equal(typeof t, 'string');
      },
    });
  });

  it('filters: the CLI\'s --from/--until/--type/topic arguments', async () => {
    const arg = fc.oneof(mutated(['earliest', '42', '2026-05-01T10:00:00Z', '15m', '1.5h', 'orders.eu', 'a,b']), fc.string({ unit: 'binary', maxLength: 40 }));
    await fuzzParser('cli filters', arg, (a) => {
      const out: unknown[] = [];
      for (const parse of [(v: string) => parsePoint(v, 1_767_225_600_000), parseFrom, (v: string) => collectTypes(v), parseTopic]) {
        try { out.push(parse(a)); } catch (error) { if (!(error instanceof InvalidArgumentError)) throw error; }
      }
      return out;
    }, {
      refusal: never,
      check: (results) => {
        for (const r of results) {
          if (typeof r !== 'object' || r === null || Array.isArray(r)) continue;
          if ('position' in r) assert.ok(Number.isSafeInteger(r.position) && (r.position as number) >= 1);
          if ('time' in r) assert.equal(typeof r.time, 'number');
        }
      },
    });
  });

  describe('credentials', () => {
    let store: KeyStore;
    let key: string;
    const SECRET = 'a-shared-secret-of-at-least-32-bytes!!';
    const ed = generateKeyPairSync('ed25519');
    const now = 1_750_000_000_000;
    const claims = { sub: 'svc', tenant: 'acme', exp: now / 1000 + 60, herald: ['publish:orders.>'] };
    const tokens = [signJwt(claims, { alg: 'HS256', secret: SECRET }), signJwt(claims, { alg: 'EdDSA', privateKey: ed.privateKey }), signJwt({ ...claims, aud: ['x'] }, { alg: 'HS256', secret: SECRET })];
    before(async () => {
      store = await KeyStore.open(new MemoryLog(), { pollMs: 0 });
      key = (await store.create({ tenant: 'acme', permissions: ['*:>'] })).key;
    });
    after(() => store.close());

    it('Authorization headers (API keys): only the real key authenticates', async () => {
      const header = fc.oneof(fc.constant(undefined), mutated([`Bearer ${key}`, `bearer  ${key} `, key, `Bearer ${tokens[0]!}`, 'Basic dXNlcjpwYXNz']), fc.string({ unit: 'binary', maxLength: 120 }));
      await fuzzParser('authorization', header, (h) => {
        const token = bearerToken(h);
        return { token, id: token === undefined ? undefined : keyIdOf(token), jws: token !== undefined && looksLikeJws(token), auth: token === undefined ? undefined : store.authenticate(token) };
      }, {
        refusal: never,
        check: ({ token, auth }) => {
          if (token !== undefined) assert.match(token, /^\S+$/);
          assert.ok(!auth?.ok || token === key, `only the real key authenticates: ${token}`);
        },
      });
    });

    it('JWT bearer tokens: a mutant never verifies', async () => {
      const verifier = new JwtVerifier({ hs256Secret: SECRET, ed25519PublicKey: ed.publicKey.export({ type: 'spki', format: 'pem' }).toString() });
      await fuzzParser('jwt', fc.oneof(mutated(tokens), fc.string({ unit: 'binary', maxLength: 300 })), (t) => verifier.verify(t, now), {
        refusal: never,
        check: (result, t) => assert.ok(!result.ok || t === tokens[0] || t === tokens[1], `a changed token verified: ${t}`),
      });
    });

    it('signature attributes (heraldsig, heraldts, heraldsigattrs) and signed events: what verifies is what was signed', async () => {
      const hmac = { id: 'k1', algorithm: 'hmac-sha256' as const, secret: 'whsec_' + Buffer.alloc(32, 7).toString('base64') };
      const ring = new KeyRing([hmac, { id: 'ed1', algorithm: 'ed25519', publicKey: ed.publicKey }]);
      const signed = signEvent(createEvent({ id: 'e-1', source: 'urn:x', type: 'a.b', key: 'k', time: valid.time, data: valid.data }), [hmac, { id: 'ed1', algorithm: 'ed25519', privateKey: ed.privateKey }], now);
      const content = (e: CloudEvent): string => canonicalJson({ ...stripUnsigned(e), heraldsig: undefined, traceparent: undefined, tracestate: undefined, heraldts: Number(e.heraldts) });
      const original = content(signed);
      const entries = String(signed.heraldsig).split(' ');
      const attributes = fc.tuple(fc.constantFrom('heraldsig', 'heraldts', 'heraldsigattrs'), mutated([String(signed.heraldsig), String(signed.heraldts), String(signed.heraldsigattrs), 'v1,k1,', 'v1a,ed1,AAAA']))
        .map(([name, value]) => ({ ...signed, [name]: name === 'heraldts' && /^\d+$/.test(value) ? Number(value) : value }));
      const whole = mutated([JSON.stringify(signed)]).map((t) => { try { return parseJson(t) as CloudEvent; } catch { return signed; } });
      const header = String(signed.heraldsig);
      // Regressions. Soak seed 1163772458 (10k inputs, input 1212): deleting ' v1a,ed1' left one
      // entry `v1,k1,<mac>,<ed25519 sig>`, and the verifier read its first three fields only.
      const regressions: CloudEvent[] = [
        ...[header.replace(' v1a,ed1', ''), `${entries[0]!},`, `${entries[1]!},x`].map((heraldsig) => ({ ...signed, heraldsig })),
        ...['01750000000', ' 1750000000', '0x684EE180', '1.75e9'].map((heraldts) => ({ ...signed, heraldts })), // one timestamp, one spelling
      ];
      await fuzzParser('signatures', fc.oneof(attributes, whole), (e) => ({ id: ring.verify(e, { now }), e }), {
        examples: regressions,
        check: ({ e }) => {
          assert.equal(content(e), original, 'an accepted event carries exactly the signed content');
          assert.equal(String(e.heraldts), String(signed.heraldts), 'and the signed timestamp, spelt as signed');
          assert.ok(String(e.heraldsig).split(' ').some((s) => entries.includes(s)), 'and one of the original signatures');
        },
      });
    });
  });
});
