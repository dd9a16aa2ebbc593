import { toMillis, type Duration } from '../core/duration.js';
import type { CloudEvent } from '../core/envelope.js';
import { invalidArgument } from '../core/errors.js';
import { assertPositiveInt } from '../log/names.js';

/**
 * How long handled ids are kept. A redelivery is recognised while its id is still kept: within
 * `maxAge` of the first handling AND among the group's newest `maxCount` ids. Outside that window
 * it runs again, so make it longer than the longest redelivery you expect (lease expiry, retries,
 * a consumer group reset, a relay's re-append after a crash).
 */
export interface InboxRetention {
  /** Default 7 days. */
  maxAge?: Duration;
  /** Per group; default 1,000,000. */
  maxCount?: number;
  /** Handled events between automatic prunes (default 1,000; 0: only when `prune()` is called). */
  pruneEvery?: number;
}

/** The checked retention, with a counter that says when the next automatic prune is due. */
export function inboxRetention(retention: InboxRetention | undefined): { maxAgeMs: number; maxCount: number; due: () => boolean } {
  const maxAgeMs = toMillis(retention?.maxAge ?? '7d', 'retention.maxAge');
  const maxCount = retention?.maxCount ?? 1_000_000;
  const pruneEvery = retention?.pruneEvery ?? 1_000;
  assertPositiveInt(maxCount, 'retention.maxCount');
  if (!Number.isInteger(pruneEvery) || pruneEvery < 0) throw invalidArgument('retention.pruneEvery must be a non-negative integer', { field: 'retention.pruneEvery' });
  let since = 0;
  const due = (): boolean => {
    if (pruneEvery === 0 || ++since < pruneEvery) return false;
    since = 0;
    return true;
  };
  return { maxAgeMs, maxCount, due };
}

export function idOf(event: CloudEvent | string): string {
  const id = typeof event === 'string' ? event : event?.id;
  if (typeof id !== 'string' || id.length === 0) throw invalidArgument('event must be an event or a non-empty event id', { field: 'event' });
  return id;
}
