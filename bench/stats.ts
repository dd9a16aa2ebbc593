/**
 * The statistics of the suite: nearest-rank percentiles, medians of repetitions with their
 * spread, and ratios of one system's figure to another's. Pure functions, unit-tested.
 */

/** Median, min and max of the repetitions of one figure, plus the raw values. */
export interface Summary {
  median: number;
  min: number;
  max: number;
  n: number;
  values: number[];
}

/** Ascending copy of `values` as a Float64Array (numeric sort, not lexicographic). */
export function sorted(values: ArrayLike<number>): Float64Array {
  return Float64Array.from(values).sort();
}

/**
 * Nearest-rank percentile of ascending `sorted`: the smallest value with at least `q` of the
 * samples at or below it (`q` in [0, 1]). NaN for no samples.
 */
export function percentile(sortedValues: ArrayLike<number>, q: number): number {
  const n = sortedValues.length;
  if (n === 0) return NaN;
  if (!(q >= 0 && q <= 1)) throw new RangeError(`percentile q must be in [0, 1], got ${q}`);
  const rank = Math.max(1, Math.ceil(q * n));
  return sortedValues[Math.min(n, rank) - 1]!;
}

/** Median; the mean of the two middle values for an even count. NaN for none. */
export function median(values: readonly number[]): number {
  const s = sorted(values);
  const n = s.length;
  if (n === 0) return NaN;
  const mid = Math.floor(n / 2);
  return n % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export function summarize(values: readonly number[]): Summary {
  const finite = values.filter((v) => Number.isFinite(v));
  if (finite.length === 0) return { median: NaN, min: NaN, max: NaN, n: 0, values: [] };
  return { median: median(finite), min: Math.min(...finite), max: Math.max(...finite), n: finite.length, values: finite.map(round3) };
}

/** Spread of a summary as a fraction of its median: (max - min) / median. */
export function spread(s: Summary): number {
  return s.n > 0 && s.median !== 0 ? (s.max - s.min) / s.median : NaN;
}

/** herald's figure over the peer's; NaN when either is missing or the peer's is 0. */
export function ratio(herald: number, peer: number): number {
  if (!Number.isFinite(herald) || !Number.isFinite(peer) || peer === 0) return NaN;
  return herald / peer;
}

/** How much better herald is: >1 means better, whichever direction the metric improves in. */
export function advantage(r: number, better: 'higher' | 'lower'): number {
  if (!Number.isFinite(r) || r === 0) return NaN;
  return better === 'higher' ? r : 1 / r;
}

/** Events per second from a count and a duration in milliseconds. */
export function rate(events: number, ms: number): number {
  return ms > 0 ? (events * 1000) / ms : NaN;
}

/** The quantiles kept for latency distribution plots. */
export const CURVE_QUANTILES = [0, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.995, 0.999, 0.9999, 1] as const;

/** [quantile, value] pairs of ascending `sortedValues` at CURVE_QUANTILES. */
export function curve(sortedValues: ArrayLike<number>): [number, number][] {
  if (sortedValues.length === 0) return [];
  return CURVE_QUANTILES.map((q) => [q, round3(percentile(sortedValues, q))]);
}

export function round3(v: number): number {
  return Math.round(v * 1000) / 1000;
}
