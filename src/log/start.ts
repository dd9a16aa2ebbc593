import type { StartFrom } from './types.js';
import { timeOf } from './names.js';

/**
 * Resolves where a read starts, given the topic's bounds and a way to look up the first
 * position appended at or after a time (positions' append times never decrease).
 */
export function resolveStart(
  from: StartFrom,
  bounds: { first: number; head: number },
  firstAtOrAfter: (time: number) => number,
): number {
  if (from === 'earliest') return bounds.first;
  if (from === 'latest') return bounds.head + 1;
  if ('position' in from) return Math.max(from.position, bounds.first);
  return firstAtOrAfter(timeOf(from));
}

/**
 * Binary search over positions [lo, hi] for the first whose append time is >= `time`.
 * `appendedAtFrom(p)` gives the append time of the first stored position >= p (holes are skipped),
 * or undefined past the end.
 */
export function searchByTime(lo: number, hi: number, time: number, appendedAtFrom: (position: number) => number | undefined): number {
  let answer = hi + 1;
  while (lo <= hi) {
    const mid = Math.floor((lo + hi) / 2);
    const at = appendedAtFrom(mid);
    if (at === undefined || at >= time) {
      answer = mid;
      hi = mid - 1;
    } else {
      lo = mid + 1;
    }
  }
  return answer;
}
