import { toMillis } from '../core/duration.js';
import type { BackoffOptions } from './types.js';

/**
 * Exponential backoff with "equal jitter": with c = min(max, initial × multiplier^(attempt-1)),
 * a uniform delay between c/2 and c, so retries of many consumers spread out but never come
 * back at once.
 */
export function backoffDelay(attempt: number, options: BackoffOptions = {}, random: () => number = Math.random): number {
  const initial = toMillis(options.initial ?? 100, 'backoff.initial');
  const max = toMillis(options.max ?? 30_000, 'backoff.max');
  const multiplier = options.multiplier ?? 2;
  const ceiling = Math.min(max, initial * multiplier ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
