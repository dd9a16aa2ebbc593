import type { CloudEvent } from '../core/envelope.js';
import { isHeraldError } from '../core/errors.js';
import type { AppendReceipt } from './types.js';

interface Request {
  events: readonly CloudEvent[];
  resolve: (receipts: AppendReceipt[]) => void;
  reject: (error: unknown) => void;
}

interface Queue { waiting: Request[]; busy: boolean }

/** Most events merged into one write (a larger single append still goes whole). */
const DEFAULT_MAX_EVENTS = 2048;

/**
 * Client-side group commit, written once for the backends whose append costs a round trip, a
 * transaction or a script run per call: the appends to one topic made in the same turn of the
 * event loop, and those made while the topic's previous write is in flight, go to the backend as
 * one append (one transaction, one WAL flush, one script run), and the receipts are split back
 * per call. A topic has one write in flight at a time, so calls commit in call order.
 *
 * Merging keeps every call's meaning: each call is still all-or-nothing, and an id repeated
 * across merged calls is a duplicate of the first, exactly as if they had been sent one after
 * another. If a merged write fails for a reason other than the backend being unreachable, each
 * call is written alone, so one bad call cannot fail its neighbours.
 */
export class AppendCoalescer {
  private readonly queues = new Map<string, Queue>();

  constructor(
    private readonly write: (topic: string, events: readonly CloudEvent[]) => Promise<AppendReceipt[]>,
    private readonly maxEvents = DEFAULT_MAX_EVENTS,
  ) {}

  append(topic: string, events: readonly CloudEvent[]): Promise<AppendReceipt[]> {
    return new Promise((resolve, reject) => {
      let queue = this.queues.get(topic);
      if (!queue) this.queues.set(topic, (queue = { waiting: [], busy: false }));
      queue.waiting.push({ events, resolve, reject });
      if (queue.busy) return;
      queue.busy = true;
      // One turn of the event loop first: the calls a burst makes together go together.
      setImmediate(() => void this.drain(topic, queue));
    });
  }

  private async drain(topic: string, queue: Queue): Promise<void> {
    while (queue.waiting.length > 0) {
      let size = 0;
      let take = 0;
      while (take < queue.waiting.length && (take === 0 || size + queue.waiting[take]!.events.length <= this.maxEvents)) size += queue.waiting[take++]!.events.length;
      const batch = queue.waiting.splice(0, take);
      try {
        split(batch, await this.write(topic, take === 1 ? batch[0]!.events : batch.flatMap((r) => r.events)));
      } catch (error) {
        if (batch.length === 1 || isHeraldError(error, 'HERALD_E_UNAVAILABLE') || isHeraldError(error, 'HERALD_E_CLOSED')) batch.forEach((r) => r.reject(error));
        else for (const r of batch) await this.write(topic, r.events).then(r.resolve, r.reject);
      }
    }
    queue.busy = false;
    this.queues.delete(topic);
  }
}

function split(batch: readonly Request[], receipts: readonly AppendReceipt[]): void {
  let offset = 0;
  for (const r of batch) {
    r.resolve(receipts.slice(offset, offset + r.events.length));
    offset += r.events.length;
  }
}
