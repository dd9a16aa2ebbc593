import { createEvent, type CloudEvent } from '../../../src/core/envelope.js';
import type { EventLog } from '../../../src/log/types.js';

export interface RuntimeTarget {
  name: string;
  open(): Promise<EventLog>;
}

/** Resolves once `check()` is true; fails with `what` after `ms`. */
export async function waitFor(check: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export function orderEvents(count: number, keys: number, type = 'order.placed'): CloudEvent[] {
  return Array.from({ length: count }, (_, i) => createEvent({ type, key: `k${i % keys}`, data: { n: i } }));
}

/** Fast retries so tests do not wait. */
export const quick = { backoff: { initial: 5, max: 20 }, pollInterval: 10 } as const;
