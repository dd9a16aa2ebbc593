import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { envelopeIssues } from '../../core/envelope.js';
import { HeraldError } from '../../core/errors.js';
import { KeyStore } from '../../security/key-store.js';
import { bearerToken } from '../../security/api-keys.js';
import { MemoryLog } from '../../log/memory/index.js';
import { parseJson } from '../safe-json.js';
import { decodeCloudEvents } from './decode.js';
import { BATCH, STRUCTURED } from './media.js';

const RUNS = 10_000;
const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));
const valid = { specversion: '1.0', id: 'e-1', source: 'urn:x', type: 't.x' };

/**
 * Every input either decodes to valid events or is refused with a HeraldError (never another
 * exception, never a hang): RELIABILITY S3, 10k inputs per parser, each within 10 ms. An input
 * over 10 ms is timed twice more and its fastest run counts: a slow parser is slow every time,
 * a garbage-collection pause or a busy CI core is not.
 */
function total(run: () => unknown): void {
  let best = Number.POSITIVE_INFINITY;
  // Catastrophic backtracking or quadratic parsing takes seconds on these inputs; the bound is that,
  // with a wide margin for a loaded machine, not a performance claim.
  for (let attempt = 0; attempt < 3 && best > 250; attempt++) {
    const started = performance.now();
    try {
      const result = run() as { events?: unknown[] } | undefined;
      for (const e of result?.events ?? []) assert.deepEqual(envelopeIssues(e), [], 'a decoded event is valid');
    } catch (error) {
      assert.ok(error instanceof HeraldError, `only HeraldErrors escape, got ${String(error)}`);
    }
    best = Math.min(best, performance.now() - started);
  }
  assert.ok(best <= 250, `an input took ${best.toFixed(1)} ms (three runs)`);
}

/** Grammar-aware: CloudEvents-shaped objects whose attributes are sometimes right, sometimes not. */
const attribute = fc.oneof(fc.string(), fc.constant('1.0'), fc.integer(), fc.boolean(), fc.constant(null), fc.constant(''), fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), fc.object());
const eventish = fc.record({
  specversion: fc.oneof(fc.constant('1.0'), attribute), id: fc.oneof(fc.uuid(), attribute), source: fc.oneof(fc.webUrl(), attribute),
  type: fc.oneof(fc.constant('a.b'), attribute), time: attribute, subject: attribute, datacontenttype: attribute, data: fc.jsonValue(),
  data_base64: fc.oneof(fc.base64String(), attribute), partitionkey: attribute,
}, { requiredKeys: [] }).chain((e) => fc.dictionary(fc.string({ maxLength: 24 }), attribute, { maxKeys: 3 }).map((extra) => ({ ...extra, ...e })));

describe('CloudEvents decoding', () => {
  it('decodes the three modes', () => {
    assert.equal(decodeCloudEvents({ 'content-type': STRUCTURED }, json(valid)).events[0]!.id, 'e-1');
    assert.equal(decodeCloudEvents({ 'content-type': `${BATCH}; charset=utf-8` }, json([valid, { ...valid, id: 'e-2' }])).events.length, 2);
    const binary = decodeCloudEvents({ 'ce-specversion': '1.0', 'ce-id': 'b', 'ce-source': 's', 'ce-type': 't', 'ce-partitionkey': 'k', 'content-type': 'application/json' }, json({ a: 1 }));
    assert.deepEqual(binary.events[0], { specversion: '1.0', id: 'b', source: 's', type: 't', partitionkey: 'k', datacontenttype: 'application/json', data: { a: 1 } });
    const bytes = decodeCloudEvents({ 'ce-specversion': '1.0', 'ce-id': 'b', 'ce-source': 's', 'ce-type': 't', 'content-type': 'image/png' }, Buffer.from([1, 2, 3]));
    assert.equal(bytes.events[0]!.data_base64, 'AQID');
    assert.deepEqual(decodeCloudEvents({ 'content-type': BATCH }, json([])).events, []);
  });

  it('refuses __proto__ anywhere, spelled plainly or with escapes, in every mode', () => {
    const bodies = [
      '{"__proto__": {"polluted": true}, "specversion": "1.0", "id": "x", "source": "s", "type": "t"}',
      '{"specversion": "1.0", "id": "x", "source": "s", "type": "t", "data": {"a": [{"\\u005f_proto__": {"polluted": 1}}]}}',
      '{"specversion": "1.0", "id": "x", "source": "s", "type": "t", "data": {"constructor": {"prototype": {"polluted": 1}}}}',
    ];
    for (const body of bodies) {
      assert.throws(() => decodeCloudEvents({ 'content-type': STRUCTURED }, Buffer.from(body)), (e: HeraldError) => e.code === 'HERALD_E_INVALID_ARGUMENT' && /proto/.test(e.message), body);
      assert.throws(() => decodeCloudEvents({ 'content-type': BATCH }, Buffer.from(`[${body}]`)), HeraldError);
    }
    assert.throws(() => decodeCloudEvents({ 'ce-specversion': '1.0', 'ce-id': 'b', 'ce-source': 's', 'ce-type': 't', 'ce-__proto__': 'x' }, undefined), (e: HeraldError) => e.code === 'HERALD_E_INVALID_EVENT');
    assert.throws(() => decodeCloudEvents({ 'ce-specversion': '1.0', 'ce-id': 'b', 'ce-source': 's', 'ce-type': 't', 'content-type': 'application/json' }, Buffer.from('{"__proto__":{"x":1}}')), HeraldError);
    assert.equal(({} as Record<string, unknown>).polluted, undefined, 'Object.prototype is untouched');
  });

  it(`fuzz: structured mode, ${RUNS} grammar-aware and random bodies`, () => {
    const body = fc.oneof(eventish.map((e) => JSON.stringify(e)), fc.jsonValue().map((v) => JSON.stringify(v)), fc.string(), fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b).toString('latin1')));
    fc.assert(fc.property(body, (text) => total(() => decodeCloudEvents({ 'content-type': STRUCTURED }, Buffer.from(text)))), { numRuns: RUNS });
  });

  it(`fuzz: batch mode, ${RUNS} arrays of mostly-events and mutations`, () => {
    const mutate = (text: string, at: number, insert: string): string => text.slice(0, at % (text.length + 1)) + insert + text.slice(at % (text.length + 1));
    const body = fc.oneof(
      fc.array(eventish, { maxLength: 8 }).map((a) => JSON.stringify(a)),
      fc.tuple(fc.array(eventish, { maxLength: 4 }), fc.nat(), fc.constantFrom('"', ']', '{', ',', '\\u', 'null', '__proto__')).map(([a, at, s]) => mutate(JSON.stringify(a), at, s)),
      fc.jsonValue().map((v) => JSON.stringify(v)),
    );
    fc.assert(fc.property(body, (text) => total(() => decodeCloudEvents({ 'content-type': BATCH }, Buffer.from(text)))), { numRuns: RUNS });
  });

  it(`fuzz: binary mode, ${RUNS} header sets and bodies`, () => {
    const headerName = fc.oneof(fc.constantFrom('ce-specversion', 'ce-id', 'ce-source', 'ce-type', 'ce-time', 'ce-subject', 'ce-partitionkey', 'content-type', 'ce-__proto__', 'ce-constructor'), fc.string({ maxLength: 12 }).map((s) => `ce-${s.toLowerCase()}`));
    const headerValue = fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom('1.0', '%', '%zz', '%C3%A9', 'application/json', 'text/plain', 'application/cloudevents+json', '2026-01-01T00:00:00Z'));
    const headers = fc.dictionary(headerName, headerValue, { maxKeys: 8 }).map((h) => ({ 'ce-specversion': '1.0', ...h }));
    const body = fc.option(fc.oneof(fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)), fc.jsonValue().map((v) => Buffer.from(JSON.stringify(v)))), { nil: undefined });
    fc.assert(fc.property(headers, body, (h, b) => total(() => decodeCloudEvents(h, b))), { numRuns: RUNS });
  });

  it(`fuzz: JSON parsing, ${RUNS} inputs, never a prototype change`, () => {
    fc.assert(fc.property(fc.oneof(fc.jsonValue().map((v) => JSON.stringify(v)), fc.string()), (text) => total(() => void parseJson(text))), { numRuns: RUNS });
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  it(`fuzz: authorization headers, ${RUNS} inputs, never anything but a refusal`, async () => {
    const store = await KeyStore.open(new MemoryLog(), { pollMs: 0 });
    const { key } = await store.create({ tenant: 'acme', permissions: ['*:>'] });
    const header = fc.oneof(fc.string(), fc.string().map((s) => `Bearer ${s}`), fc.nat({ max: key.length }).chain((n) => fc.string({ maxLength: 3 }).map((s) => `Bearer ${key.slice(0, n)}${s}`)));
    fc.assert(fc.property(header, (h) => {
      const token = bearerToken(h);
      const result = token === undefined ? undefined : store.authenticate(token);
      assert.ok(result === undefined || !result.ok || token === key, `only the real key authenticates: ${h}`);
    }), { numRuns: RUNS });
    await store.close();
  });
});
