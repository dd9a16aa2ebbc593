import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toMillis, type Duration } from './duration.js';
import { HeraldError } from './errors.js';

const invalid = (name: string) => (error: unknown): boolean =>
  error instanceof HeraldError && error.code === 'HERALD_E_INVALID_ARGUMENT' && error.message.includes(name);

describe('toMillis', () => {
  it('passes non-negative numbers through', () => {
    for (const ms of [0, 1, 250, 1.5, 86_400_000]) assert.equal(toMillis(ms), ms);
  });

  it('parses ms, s, m, h and d', () => {
    const cases: [Duration, number][] = [
      ['0ms', 0], ['250ms', 250], ['5s', 5_000], ['1.5s', 1_500], ['2m', 120_000], ['1h', 3_600_000], ['7d', 604_800_000], ['0.5ms', 0.5],
    ];
    for (const [text, ms] of cases) assert.equal(toMillis(text), ms, String(text));
  });

  it('rejects negative, infinite and NaN numbers with HERALD_E_INVALID_ARGUMENT naming the option', () => {
    for (const bad of [-1, Number.NaN, Infinity, -Infinity]) assert.throws(() => toMillis(bad, 'lease'), invalid('lease'), String(bad));
  });

  it('rejects malformed strings, naming the option', () => {
    for (const bad of ['', '5', 's', '5 s', ' 5s', '5s ', '-5s', '5sec', '5S', '1e3ms', '5w', '.5s', '5.s', '1h30m']) {
      assert.throws(() => toMillis(bad as Duration, 'pollInterval'), invalid('pollInterval'), JSON.stringify(bad));
    }
    assert.throws(() => toMillis('soon' as Duration), invalid('duration'), 'the default name');
    assert.throws(() => toMillis(null as unknown as Duration, 'timeout'), invalid('timeout'));
  });
});
