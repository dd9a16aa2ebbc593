import assert from 'node:assert/strict';
import { test } from 'node:test';
import { judgeMemory, MB, slopePerMinute, type Sample } from './backpressure-memory.js';

/** One sample a second for `seconds`, RSS from `rss(second)`. */
const series = (seconds: number, rss: (s: number) => number): Sample[] =>
  Array.from({ length: seconds }, (_, s) => ({ atMs: s * 1000, rssBytes: rss(s) }));

test('the slope is a least-squares fit in bytes per minute', () => {
  assert.ok(Math.abs(slopePerMinute(series(60, (s) => 100 * MB + s * (MB / 60))) - MB) < 1);
  assert.equal(slopePerMinute(series(60, () => 100 * MB)), 0);
  assert.equal(slopePerMinute([]), 0);
});

test('R13 verdicts: flat passes; a leak, a spike over the headroom, or growth in a short run fail', () => {
  const base = 100 * MB;
  // Warm-up in the first third is allowed, then flat with allocator noise.
  assert.deepEqual(judgeMemory(base, series(90, (s) => base + (s < 30 ? s * MB : 30 * MB) + (s % 2) * 200_000)).problems, []);
  // 2 MB a minute after the warm-up is a leak.
  assert.match(judgeMemory(base, series(90, (s) => base + 10 * MB + s * (2 * MB / 60))).problems.join(), /still growing/);
  // One sample 51 MB over the baseline.
  assert.match(judgeMemory(base, series(90, (s) => base + (s === 70 ? 51 * MB : 0))).problems.join(), /over baseline/);
  // A dip below the baseline and its recovery: no new high, so flat whatever the fit says.
  assert.deepEqual(judgeMemory(base, series(30, (s) => base + (s < 20 ? 0 : -2 * MB + (s - 20) * 200_000))).problems, []);
  // A slow leak that keeps making new highs fails even in a short run.
  assert.match(judgeMemory(base, series(30, (s) => base + s * (4 * MB / 60))).problems.join(), /still growing/);
});
