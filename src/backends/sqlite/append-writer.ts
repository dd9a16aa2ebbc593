import type { AppendReceipt } from '../../log/types.js';
import { ROWS_PER_INSERT, type RowInserter } from './insert-rows.js';
import type { AppendRequest, AppendResult } from './append-request.js';
import type { StreamWriter } from './stream-writer.js';
import { rowChecksum } from './row-check.js';
import { ensureTopic, topicRow, type Ctx } from './topics.js';

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
 *
 * Rows go in ROWS_PER_INSERT at a time with one multi-row INSERT, across requests to the same
 * topic (a thousand single-event appends are sixteen statements, not a thousand). Such a chunk
 * assumes none of its ids is stored yet; when one is, SQLite undoes that statement and the chunk
 * is written again row by row, which is exactly the one-at-a-time algorithm.
 *
 * A stream append (`request.stream`) sees everything before it in the batch written first, so its
 * revision check and id lookups read the batch's own writes; a failed check fails that request
 * alone (its result is the error, it writes nothing) and the batch goes on.
 */
export function writeAppends(
  ctx: Ctx, rows: RowInserter, batch: readonly AppendRequest[], streams?: StreamWriter,
): { results: AppendResult[]; fresh: Set<string>; streamsWritten: boolean } {
  const topics = new Map<string, TopicCursor>();
  const results: AppendResult[] = batch.map((r) => new Array<AppendReceipt>(r.ids.length));
  // Only requests that place rows get receipts from the chunk, and those results are arrays.
  const chunk = new Chunk(ctx, rows, batch, results as AppendReceipt[][]);
  const place = (request: AppendRequest, r: number): void => {
    let t = topics.get(request.topic);
    if (!t) {
      const id = ensureTopic(ctx, request.topic);
      t = { id, head: topicRow(ctx, id).head, lastAt: ctx.st.lastAppendedAt.get(id) ?? 0, added: 0 };
      topics.set(request.topic, t);
    }
    chunk.begin(t, r);
    for (let e = 0; e < request.ids.length; e++) chunk.add(r, e);
  };
  let streamsWritten = false;
  batch.forEach((request, r) => {
    if (request.stream === undefined) { place(request, r); return; }
    chunk.flush();
    const result = streams!.write(request, () => {
      place(request, r);
      chunk.flush();
      return results[r] as AppendReceipt[];
    });
    results[r] = result;
    if (Array.isArray(result) && result.length > 0 && !result[0]!.duplicate) streamsWritten = true;
  });
  chunk.flush();
  const fresh = new Set<string>();
  for (const [topic, t] of topics) {
    if (t.added === 0) continue;
    ctx.st.advanceHead.run(t.head, t.added, t.id);
    fresh.add(topic);
  }
  return { results, fresh, streamsWritten };
}

/** The rows waiting for one multi-row INSERT, all of one topic. */
class Chunk {
  private t: TopicCursor | undefined;
  private readonly request: number[] = [];
  private readonly event: number[] = [];
  /** Each request's append time, once its first row is placed. */
  private readonly at: number[];

  constructor(private readonly ctx: Ctx, private readonly rows: RowInserter, private readonly batch: readonly AppendRequest[], private readonly receipts: AppendReceipt[][]) {
    this.at = new Array<number>(batch.length);
  }

  /** Request `r` starts, on topic `t`; its append time follows whatever is stored (or will be) before it. */
  begin(t: TopicCursor, r: number): void {
    if (t !== this.t) { this.flush(); this.t = t; }
    const lastAt = this.request.length > 0 ? this.at[this.request[this.request.length - 1]!]! : t.lastAt;
    this.at[r] = Math.max(this.batch[r]!.now, lastAt);
  }

  add(r: number, e: number): void {
    this.request.push(r);
    this.event.push(e);
    if (this.request.length === ROWS_PER_INSERT) this.flush();
  }

  flush(): void {
    const t = this.t;
    const n = this.request.length;
    if (!t || n === 0) return;
    const ids = new Array<string>(n);
    const keys = new Array<string | null>(n);
    const bodies = new Array<string>(n);
    const crcs = new Array<number>(n);
    const times = new Array<number>(n);
    for (let i = 0; i < n; i++) {
      const request = this.batch[this.request[i]!]!;
      const e = this.event[i]!;
      ids[i] = request.ids[e]!;
      keys[i] = request.keys[e]!;
      bodies[i] = request.events[e]!;
      crcs[i] = request.crcs[e]!;
      times[i] = this.at[this.request[i]!]!;
    }
    if (this.rows.insert(t.id, t.head + 1, times, ids, keys, bodies, crcs)) {
      for (let i = 0; i < n; i++) {
        const r = this.request[i]!;
        this.receipts[r]![this.event[i]!] = { topic: this.batch[r]!.topic, id: ids[i]!, position: ++t.head, appendedAt: times[i]!, duplicate: false };
      }
      t.added += n;
      t.lastAt = times[n - 1]!;
    } else {
      for (let i = 0; i < n; i++) this.writeOne(t, i, ids[i]!, keys[i]!, bodies[i]!, crcs[i]!);
    }
    this.request.length = 0;
    this.event.length = 0;
  }

  /** Row `i` alone, as the one-at-a-time algorithm does (a request starting here takes its time from what is stored). */
  private writeOne(t: TopicCursor, i: number, id: string, key: string | null, body: string, crc: number): void {
    const r = this.request[i]!;
    const e = this.event[i]!;
    const { topic, now } = this.batch[r]!;
    if (e === 0) this.at[r] = Math.max(now, t.lastAt);
    const appendedAt = this.at[r]!;
    const { st } = this.ctx;
    const position = t.head + 1;
    if (st.insertEvent.run(t.id, position, id, appendedAt, key, body, rowChecksum(crc, t.id, position, appendedAt)).changes === 1) {
      t.head = position;
      t.added++;
      t.lastAt = appendedAt;
      this.receipts[r]![e] = { topic, id, position, appendedAt, duplicate: false };
      return;
    }
    const first = st.receiptOf.get(t.id, id)!;
    this.receipts[r]![e] = { topic, id, position: first.position, appendedAt: first.appended_at, duplicate: true };
  }
}
