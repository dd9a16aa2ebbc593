import { invalidArgument } from './errors.js';

/** A duration as milliseconds or a string like `250ms`, `5s`, `2m`, `1h`, `7d`. */
export type Duration = number | `${number}${'ms' | 's' | 'm' | 'h' | 'd'}`;

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

export function toMillis(duration: Duration, name = 'duration'): number {
  if (typeof duration === 'number') {
    if (!Number.isFinite(duration) || duration < 0) throw invalidArgument(`${name} must be a non-negative number of milliseconds, got ${duration}`);
    return duration;
  }
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(String(duration));
  if (!match) throw invalidArgument(`${name} must look like 500ms, 5s, 2m, 1h or 7d, got ${JSON.stringify(duration)}`);
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}
