import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ratios, targets } from './compare.js';
import { num, times, withSpread } from './format.js';
import { EVENT_BYTES, decode, encode, payload } from './payload.js';
import { figuresOf, type Figure } from './results.js';
import { advantage, curve, median, percentile, rate, ratio, sorted, spread, summarize } from './stats.js';

const one = (workload: Figure['workload'], system: string, median: number, metric = 'throughput', better: Figure['better'] = 'higher'): Figure =>
  ({ workload, metric, system, unit: 'events/s', better, summary: { median, min: median, max: median, n: 1, values: [median] } });

describe('percentile (nearest rank)', () => {
  const hundred = sorted(Array.from({ length: 100 }, (_, i) => 100 - i)); // 1..100, given unsorted
  it('sorts numerically, not as text', () => {
    assert.deepEqual([...sorted([10, 9, 100, 1.5])], [1.5, 9, 10, 100]);
  });
  it('gives the smallest value with at least q of the samples at or below it', () => {
    assert.equal(percentile(hundred, 0.5), 50);
    assert.equal(percentile(hundred, 0.99), 99);
    assert.equal(percentile(hundred, 0.999), 100);
    assert.equal(percentile(hundred, 0.011), 2);
    assert.equal(percentile(hundred, 0), 1);
    assert.equal(percentile(hundred, 1), 100);
  });
  it('handles one sample and none', () => {
    assert.equal(percentile([7], 0.999), 7);
    assert.ok(Number.isNaN(percentile([], 0.5)));
  });
  it('rejects a q outside [0, 1]', () => {
    assert.throws(() => percentile([1, 2], 99), RangeError);
    assert.throws(() => percentile([1, 2], Number.NaN), RangeError);
  });
  it('gives a non-decreasing distribution curve from min to max', () => {
    const c = curve(hundred);
    assert.deepEqual(c[0], [0, 1]);
    assert.deepEqual(c.at(-1), [1, 100]);
    for (let i = 1; i < c.length; i++) assert.ok(c[i]![1] >= c[i - 1]![1]);
    assert.deepEqual(curve([]), []);
  });
});

describe('median, summary and spread', () => {
  it('takes the middle value, or the mean of the two middle ones', () => {
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(median([4, 1, 3, 2]), 2.5);
    assert.ok(Number.isNaN(median([])));
  });
  it('summarizes repetitions with min and max, ignoring failed (non-finite) ones', () => {
    assert.deepEqual(summarize([120, 100, Number.NaN, 110]), { median: 110, min: 100, max: 120, n: 3, values: [120, 100, 110] });
    assert.equal(summarize([]).n, 0);
    assert.ok(Math.abs(spread(summarize([90, 100, 110])) - 0.2) < 1e-12);
  });
  it('turns counts and milliseconds into a rate', () => {
    assert.equal(rate(5000, 500), 10_000);
    assert.ok(Number.isNaN(rate(5, 0)));
  });
});

describe('ratios', () => {
  it('divides herald by the peer and says how much better herald is in either direction', () => {
    assert.equal(ratio(300, 100), 3);
    assert.equal(advantage(3, 'higher'), 3);
    assert.equal(advantage(0.5, 'lower'), 2);
    assert.ok(Number.isNaN(ratio(1, 0)));
    assert.ok(Number.isNaN(ratio(Number.NaN, 1)));
  });
  it('pairs every herald row with every peer of the same workload and metric, never the disk or herald itself', () => {
    const figures = [
      one('publish-1p', 'herald', 300), one('publish-1p', 'herald-os', 400), one('publish-1p', 'nats', 100), one('publish-1p', 'redis', 200),
      one('latency-5k', 'herald', 1, 'p99', 'lower'), one('latency-5k', 'nats', 4, 'p99', 'lower'), one('latency-5k', 'nats', 1, 'p50', 'lower'),
      one('disk-appendfile', 'disk', 1000),
    ];
    const rows = ratios(figures);
    const find = (w: string, h: string, p: string, m = 'throughput') => rows.find((r) => r.workload === w && r.herald === h && r.peer === p && r.metric === m);
    assert.equal(rows.length, 5);
    assert.equal(find('publish-1p', 'herald', 'nats')?.ratio, 3);
    assert.equal(find('publish-1p', 'herald-os', 'redis')?.ratio, 2);
    assert.equal(find('latency-5k', 'herald', 'nats', 'p99')?.ratio, 0.25);
    assert.equal(find('latency-5k', 'herald', 'nats', 'p99')?.advantage, 4);
    assert.equal(find('latency-5k', 'herald', 'nats', 'p50'), undefined, 'herald has no p50 here');
  });
  it('evaluates the issue-3 targets, null when a figure is missing', () => {
    const t = targets([one('publish-1p', 'herald', 310), one('publish-1p', 'nats', 100), one('publish-w1', 'herald', 4000), one('disk-fdatasync', 'disk', 5000)]);
    const by = (id: string) => t.find((x) => x.id === id)!;
    assert.equal(by('publish-vs-nats').met, true);
    assert.equal(by('publish-vs-nats').value, 3.1);
    assert.equal(by('single-vs-fdatasync').met, false);
    assert.equal(by('single-vs-fdatasync').value, 0.8);
    assert.equal(by('consume-vs-nats').met, null);
  });
});

describe('figures from repetitions', () => {
  it('gives the median and spread of a throughput workload', () => {
    const [f] = figuresOf('consume', 'nats', [{ value: 100, events: 1 }, { value: 300, events: 3 }, { value: 200, events: 2 }]);
    assert.deepEqual(f?.summary, { median: 200, min: 100, max: 300, n: 3, values: [100, 300, 200] });
    assert.equal(f?.detail?.events, 2, 'details come from the median repetition');
  });
  it('gives p50, p99 and p99.9 of a latency workload, the curve of the median repetition, and the lost events of all', () => {
    const run = (p99: number, lost: number) => ({ value: p99, extra: { p50: p99 / 10, p99, p999: p99 * 2, lost, curve: [[0.5, p99 / 10]] } });
    const figures = figuresOf('latency-5k', 'herald', [run(1, 0), run(3, 2), run(2, 1)]);
    assert.deepEqual(figures.map((f) => f.metric), ['p50', 'p99', 'p999']);
    assert.equal(figures[1]?.summary.median, 2);
    assert.equal(figures[2]?.summary.max, 6);
    assert.deepEqual(figures[1]?.detail?.curve, [[0.5, 0.2]]);
    assert.equal(figures[1]?.detail?.lost, 3);
  });
});

describe('payload and formatting', () => {
  it('makes 256-byte JSON events that survive the wire', () => {
    const p = payload(123_456, 0, 123_456.789);
    assert.equal(encode(p).length, EVENT_BYTES);
    assert.deepEqual(decode(encode(p)), p);
    assert.deepEqual(decode(JSON.stringify(p)), p);
  });
  it('formats numbers, ratios and spreads for people', () => {
    assert.equal(num(123_456.7), '123,457');
    assert.equal(num(0.12345), '0.123');
    assert.equal(num(Number.NaN), '—');
    assert.equal(times(3.14), '3.1×');
    assert.equal(times(0.523), '0.52×');
    assert.equal(times(0.004), '<0.01×');
    assert.equal(withSpread({ median: 2, min: 1, max: 3, n: 3 }), '2.00 (1.00–3.00)');
    assert.equal(withSpread({ median: 2, min: 2, max: 2, n: 1 }), '2.00');
  });
});
