import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { assertValidEnvelope, envelopeIssues, isValidEnvelope } from './envelope.js';

const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
/** Attribute values that are sometimes valid, sometimes not. */
const anyValue = fc.oneof(
  fc.constantFrom(undefined, null, '', 'x', '1.0', 0, 1, 1.5, true, [], {}, '2026-01-02T03:04:05Z', '2026-13-45T99:99:99Z',
    '2026-01-02T03:04:05.123+02:00', 'aGVsbG8=', 'not base64!', TRACEPARENT, '00-zz', 'a'.repeat(257)),
  fc.string({ maxLength: 4 }),
);
const candidate = fc.record({
  specversion: fc.oneof(fc.constant('1.0'), anyValue), id: fc.oneof(fc.constant('e-1'), anyValue), source: fc.oneof(fc.constant('/s'), anyValue),
  type: fc.oneof(fc.constant('t'), anyValue), time: anyValue, subject: anyValue, datacontenttype: anyValue, dataschema: anyValue,
  data: anyValue, data_base64: anyValue, traceparent: anyValue, partitionkey: anyValue, tenant: anyValue,
  Bad_Name: fc.constantFrom(undefined, 'x'), toolongextensionname123: fc.constantFrom(undefined, 'x'),
}, { requiredKeys: [] });

describe('isValidEnvelope (the fast path of assertValidEnvelope)', () => {
  it('gives the same verdict as envelopeIssues, starting with an empty time', () => {
    assert.equal(isValidEnvelope({ specversion: '1.0', id: 'e', source: '/s', type: 't', time: '' }), false);
    assert.throws(() => assertValidEnvelope({ specversion: '1.0', id: 'e', source: '/s', type: 't', time: '' }), /time/);
    fc.assert(fc.property(candidate, (value) => isValidEnvelope(value) === (envelopeIssues(value).length === 0)), { numRuns: 5000 });
  });

  it('agrees on non-objects and on inherited attributes', () => {
    for (const value of [null, undefined, 1, 'x', [], [{}]]) assert.equal(isValidEnvelope(value), envelopeIssues(value).length === 0);
    const inherited = Object.create({ time: 'yesterday' }) as Record<string, unknown>;
    Object.assign(inherited, { specversion: '1.0', id: 'e', source: '/s', type: 't' });
    assert.equal(isValidEnvelope(inherited), false);
    assert.equal(envelopeIssues(inherited).length > 0, true);
  });
});
