/** Shared by the observability tests (not part of the API). */
import type { CloudEvent } from '../core/envelope.js';
import type { EventLog } from '../log/types.js';

export async function until(check: () => boolean | Promise<boolean>, what: string, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export async function eventsOf(log: EventLog, topic: string): Promise<CloudEvent[]> {
  const out: CloudEvent[] = [];
  for await (const s of log.read(topic)) out.push(s.event);
  return out;
}

/** Subscription options that make retries and polls fast. */
export const FAST = { pollInterval: 10, backoff: { initial: 1, max: 5 } } as const;
