import { assertValidEnvelope, keyOf, type CloudEvent } from '../../core/envelope.js';
import { HeraldError, isHeraldError, type ErrorCode } from '../../core/errors.js';
import type { AppendReceipt } from '../../log/types.js';
import { writeAppends, type AppendRequest, type PreparedEvent } from './append-writer.js';
import type { Engine } from './engine.js';
import { AppendQueue } from './group-commit.js';

const STORAGE_FAILURES = new Set<ErrorCode>(['HERALD_E_BUSY', 'HERALD_E_STORAGE_FULL', 'HERALD_E_STORAGE_IO', 'HERALD_E_CORRUPT', 'HERALD_E_CLOSED']);

export interface AppenderOptions {
  /** Resolve appends only once their commit is fdatasync'd. */
  fsync: boolean;
  maxBatchEvents: number;
  /** Called after a commit that added events to `topic`. */
  notify: (topic: string) => void;
}

/**
 * The producer side of group commit: validates and serialises each append when it is called,
 * writes everything queued in one turn of the event loop in one transaction, and resolves each
 * append after the sync that covers its commit.
 */
export class Appender {
  private readonly queue: AppendQueue<AppendRequest>;

  constructor(private readonly engine: Engine, private readonly options: AppenderOptions) {
    this.queue = new AppendQueue((batch) => this.flush(batch), options.maxBatchEvents, () => engine.paused);
  }

  append(topic: string, events: readonly CloudEvent[], now: number): Promise<AppendReceipt[]> {
    const prepared = events.map((e, i) => prepare(e, i));
    return new Promise((resolve, reject) => this.queue.push({ topic, events: prepared, now, resolve, reject }));
  }

  /** Writes what is queued now (not from inside another transaction, where it could be rolled back). */
  drain(): void {
    if (this.queue.size > 0 && !this.engine.inTransaction) this.queue.drain();
  }

  private flush(batch: AppendRequest[]): void {
    const fresh = new Set<string>();
    const run = (requests: AppendRequest[]): AppendReceipt[][] => {
      const out = this.engine.write(() => writeAppends(this.engine.ctx, requests), `appending to ${requests[0]!.topic}`);
      out.fresh.forEach((t) => fresh.add(t));
      return out.receipts;
    };
    let results: Array<{ receipts: AppendReceipt[] } | { error: unknown }>;
    try {
      results = run(batch).map((receipts) => ({ receipts }));
    } catch (error) {
      // A failure of the storage fails them all; anything else was one request's: write them one by one.
      const storage = isHeraldError(error) && STORAGE_FAILURES.has(error.code);
      results = batch.length === 1 || storage ? batch.map(() => ({ error })) : batch.map((r) => {
        try { return { receipts: run([r])[0]! }; } catch (e) { return { error: e }; }
      });
    }
    // Rows and their two index entries: what the checkpoint scheduler needs to know, roughly.
    this.engine.wrote(batch.reduce((n, r) => n + r.events.reduce((m, e) => m + e.body.length + 2 * e.id.length + 64, 0), 0));
    const seq = this.engine.sync.latest;
    batch.forEach((request, i) => {
      const result = results[i]!;
      if ('error' in result) request.reject(result.error);
      else if (!this.options.fsync) request.resolve(result.receipts);
      else this.engine.sync.durable(seq).then(() => request.resolve(result.receipts), request.reject);
    });
    fresh.forEach((topic) => this.options.notify(topic));
  }
}

function prepare(event: CloudEvent, index: number): PreparedEvent {
  try {
    assertValidEnvelope(event);
    return { id: event.id, key: keyOf(event) ?? null, body: JSON.stringify(event) };
  } catch (error) {
    if (error instanceof HeraldError) {
      throw new HeraldError(error.code, `event ${index}: ${error.message}`, { details: { ...error.details, index } });
    }
    throw new HeraldError('HERALD_E_INVALID_EVENT', `event ${index}: not serialisable as JSON: ${String(error)}`, { details: { index }, cause: error });
  }
}
