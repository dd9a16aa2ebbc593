import { keyOf, type CloudEvent } from '../../core/envelope.js';
import { consecutiveReceipts } from '../../log/receipts.js';
import type { AppendReceipt } from '../../log/types.js';
import type { Db } from './db.js';

interface ReceiptRow { ord: number; pos: number; at: number; dup: boolean }

/**
 * One `append_events_compact` call: one transaction that takes the topic's row, skips ids it already
 * has, numbers the rest after the head and commits. (Calls are merged by the log's
 * AppendCoalescer: a topic's appends serialise on its row anyway.)
 */
export async function appendEvents(db: Db, topic: string, events: readonly CloudEvent[]): Promise<AppendReceipt[]> {
  // The bodies as one JSON array: one stringify, no second escaping into array syntax.
  const rows = await db.query<ReceiptRow>(`SELECT * FROM ${db.s}.append_events_compact($1, $2, $3, $4, $5::json, $6)`, [
    topic, events.map((e) => e.id), events.map((e) => e.type), events.map((e) => keyOf(e) ?? null), JSON.stringify(events), db.now(),
  ], `appending to ${topic}`);
  const [first] = rows;
  // ord 0: every event new, at consecutive positions from `pos` (migration-8.ts).
  if (rows.length === 1 && first!.ord === 0) return consecutiveReceipts(topic, events, first!.pos, first!.at);
  return rows.map((row, i) => ({ topic, id: events[i]!.id, position: row.pos, appendedAt: row.at, duplicate: row.dup }));
}
