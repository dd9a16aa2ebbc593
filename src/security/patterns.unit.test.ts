import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { assertPattern, matches, patternIssue } from './patterns.js';

describe('topic patterns', () => {
  it('match like NATS subjects', () => {
    const cases: [string, string, boolean][] = [
      ['orders', 'orders', true], ['orders', 'orders.eu', false], ['orders', 'order', false],
      ['orders.*', 'orders.eu', true], ['orders.*', 'orders', false], ['orders.*', 'orders.eu.paid', false],
      ['orders.>', 'orders.eu', true], ['orders.>', 'orders.eu.paid', true], ['orders.>', 'orders', false],
      ['*', 'orders', true], ['*', 'orders.eu', false], ['>', 'anything.at.all', true], ['>', 'x', true],
      ['*.dlq.*', 'orders.dlq.billing', true], ['*.dlq.>', 'orders.dlq', false], ['a.*.c', 'a.b.c', true], ['a.*.c', 'a.b.d', false],
    ];
    for (const [pattern, topic, expected] of cases) assert.equal(matches(pattern, topic), expected, `${pattern} ~ ${topic}`);
  });

  it('reject malformed patterns, naming the field', () => {
    for (const bad of ['', 'a.>.b', 'or*ders', 'a..b', 'a b', '>x', 'x'.repeat(201), 42, undefined, '__proto__.>x']) {
      assert.ok(patternIssue(bad) !== undefined, `${String(bad)} is malformed`);
      assert.throws(() => assertPattern(bad, 'permissions[0]'), (e: Error & { code?: string; details?: { field?: string } }) =>
        e.code === 'HERALD_E_INVALID_ARGUMENT' && e.details?.field === 'permissions[0]');
    }
    for (const good of ['>', '*', 'orders', 'orders.*.paid', 'a-b_c.>']) assert.equal(patternIssue(good), undefined);
  });

  it('a literal pattern matches exactly its own topic; `>` matches every topic (property)', () => {
    const segment = fc.stringMatching(/^[a-z0-9_-]{1,8}$/);
    const topic = fc.array(segment, { minLength: 1, maxLength: 5 }).map((s) => s.join('.'));
    fc.assert(fc.property(topic, topic, (a, b) => {
      assert.equal(matches(a, b), a === b);
      assert.ok(matches('>', a));
      const first = a.split('.')[0]!;
      assert.equal(matches(`${first}.>`, a), a.includes('.'));
    }), { numRuns: 2_000 });
  });
});
