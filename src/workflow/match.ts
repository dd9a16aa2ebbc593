import { isDeepStrictEqual } from 'node:util';
import type { CloudEvent } from '../core/envelope.js';

/** True when `event` is of `type` and its data has every field of `match` with an equal value. */
export function matches(event: CloudEvent, type: string, match: Record<string, unknown>): boolean {
  if (event.type !== type) return false;
  const data = event.data;
  if (Object.keys(match).length === 0) return true;
  if (typeof data !== 'object' || data === null) return false;
  return Object.entries(match).every(([k, v]) => isDeepStrictEqual((data as Record<string, unknown>)[k], v));
}
