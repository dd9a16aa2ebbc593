import type { CloudEvent } from '../core/envelope.js';
import type { AppendReceipt } from './types.js';

/** The receipts of an append whose events were all new, stored at `first`, `first + 1`... at one time. */
export function consecutiveReceipts(topic: string, events: readonly CloudEvent[], first: number, appendedAt: number): AppendReceipt[] {
  return events.map((event, i) => ({ topic, id: event.id, position: first + i, appendedAt, duplicate: false }));
}
