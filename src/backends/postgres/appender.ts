import { keyOf, type CloudEvent } from '../../core/envelope.js';
import { isHeraldError } from '../../core/errors.js';
import type { AppendReceipt } from '../../log/types.js';
import type { Db } from './db.js';

interface ReceiptRow { ord: number; pos: number; at: number; dup: boolean }

interface Request {
  events: readonly CloudEvent[];
  resolve: (receipts: AppendReceipt[]) => void;
  reject: (error: unknown) => void;
}

/** Most events in one append transaction (one larger append still goes whole). */
const MAX_BATCH_EVENTS = 2048;

/**
 * Client-side group commit per topic: a topic's appends serialise on its row anyway, so while one
 * append transaction of a topic is in flight, later appends to it queue and then go together in
 * one `append_events` call (one transaction, one WAL flush). Receipts are split back
 * per request; an id repeated across queued requests is a duplicate of the first, exactly as if
 * they had been sent one after another. If a merged call fails for a reason other than the
 * connection, each request is retried alone, so one bad request cannot fail its neighbours.
 */
export class Appender {
  private readonly queues = new Map<string, { waiting: Request[]; busy: boolean }>();

  constructor(private readonly db: Db, private readonly appended: (topic: string) => void) {}

  append(topic: string, events: readonly CloudEvent[]): Promise<AppendReceipt[]> {
    return new Promise((resolve, reject) => {
      let queue = this.queues.get(topic);
      if (!queue) this.queues.set(topic, (queue = { waiting: [], busy: false }));
      queue.waiting.push({ events, resolve, reject });
      if (!queue.busy) void this.drain(topic, queue);
    });
  }

  private async drain(topic: string, queue: { waiting: Request[]; busy: boolean }): Promise<void> {
    queue.busy = true;
    while (queue.waiting.length > 0) {
      let size = 0;
      let take = 0;
      while (take < queue.waiting.length && (take === 0 || size + queue.waiting[take]!.events.length <= MAX_BATCH_EVENTS)) size += queue.waiting[take++]!.events.length;
      const batch = queue.waiting.splice(0, take);
      try {
        this.deliver(topic, batch, await this.write(topic, batch.flatMap((r) => r.events)));
      } catch (error) {
        if (batch.length === 1 || isHeraldError(error, 'HERALD_E_UNAVAILABLE')) batch.forEach((r) => r.reject(error));
        else for (const r of batch) await this.write(topic, r.events).then((rows) => this.deliver(topic, [r], rows), r.reject);
      }
    }
    queue.busy = false;
    this.queues.delete(topic);
  }

  private deliver(topic: string, batch: readonly Request[], rows: readonly ReceiptRow[]): void {
    let offset = 0;
    for (const r of batch) {
      r.resolve(rows.slice(offset, offset + r.events.length).map((row, i) => ({
        topic, id: r.events[i]!.id, position: row.pos, appendedAt: row.at, duplicate: row.dup,
      })));
      offset += r.events.length;
    }
    if (rows.some((r) => !r.dup)) this.appended(topic);
  }

  private write(topic: string, events: readonly CloudEvent[]): Promise<ReceiptRow[]> {
    return this.db.query<ReceiptRow>(`SELECT * FROM ${this.db.s}.append_events($1, $2, $3, $4, $5::json[], $6)`, [
      topic, events.map((e) => e.id), events.map((e) => e.type), events.map((e) => keyOf(e) ?? null), events.map((e) => JSON.stringify(e)), this.db.now(),
    ], `appending to ${topic}`);
  }
}
