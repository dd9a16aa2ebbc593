import type { AppendReceipt } from '../../log/types.js';
import { ensureTopic, topicRow, type Ctx } from './topics.js';

/** An event serialised when `append` was called (later changes by the caller do not leak in). */
export interface PreparedEvent {
  id: string;
  key: string | null;
  body: string;
}

export interface AppendRequest {
  topic: string;
  events: PreparedEvent[];
  /** The clock when `append` was called. */
  now: number;
  resolve: (receipts: AppendReceipt[]) => void;
  reject: (error: unknown) => void;
}

interface TopicCursor {
  id: number;
  head: number;
  lastAt: number;
  added: number;
}

/**
 * Writes a batch of appends in the caller's transaction and returns each request's receipts.
 * Positions continue from the topic's head; an id already in the topic (stored earlier, or earlier
 * in this batch) gets the first receipt back with `duplicate: true` and writes nothing. The append
 * time is max(the clock at `append`, the last stored event's time), so it never decreases.
 */
export function writeAppends(ctx: Ctx, batch: readonly AppendRequest[]): { receipts: AppendReceipt[][]; fresh: Set<string> } {
  const topics = new Map<string, TopicCursor>();
  const fresh = new Set<string>();
  const receipts = batch.map((request) => {
    let t = topics.get(request.topic);
    if (!t) {
      const id = ensureTopic(ctx, request.topic);
      t = { id, head: topicRow(ctx, id).head, lastAt: ctx.st.lastAppendedAt.get(id) ?? 0, added: 0 };
      topics.set(request.topic, t);
    }
    const out = writeRequest(ctx, t, request);
    if (out.some((r) => !r.duplicate)) fresh.add(request.topic);
    return out;
  });
  for (const t of topics.values()) if (t.added > 0) ctx.st.advanceHead.run(t.head, t.added, t.id);
  return { receipts, fresh };
}

function writeRequest(ctx: Ctx, t: TopicCursor, request: AppendRequest): AppendReceipt[] {
  const { st } = ctx;
  const appendedAt = Math.max(request.now, t.lastAt);
  const out: AppendReceipt[] = [];
  for (const e of request.events) {
    const position = t.head + 1;
    if (st.insertEvent.run(t.id, position, e.id, appendedAt, e.key, e.body).changes === 1) {
      t.head = position;
      t.added++;
      t.lastAt = appendedAt;
      out.push({ topic: request.topic, id: e.id, position, appendedAt, duplicate: false });
    } else {
      const first = st.receiptOf.get(t.id, e.id)!;
      out.push({ topic: request.topic, id: e.id, position: first.position, appendedAt: first.appended_at, duplicate: true });
    }
  }
  return out;
}
