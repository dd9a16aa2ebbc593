import { assertValidEnvelope, type CloudEvent } from '../../core/envelope.js';
import { HeraldError, isHeraldError, type ErrorCode } from '../../core/errors.js';
import { atIndex } from '../../log/event-at.js';
import type { AppendReceipt } from '../../log/types.js';
import type { AppendRequest, AppendResult, StreamPart } from './append-request.js';
import { writeAppends } from './append-writer.js';
import type { Engine } from './engine.js';
import { AppendQueue } from './group-commit.js';
import { RowInserter } from './insert-rows.js';
import { bodyRegister } from './row-check.js';
import type { StreamWriter } from './stream-writer.js';

const STORAGE_FAILURES = new Set<ErrorCode>(['HERALD_E_BUSY', 'HERALD_E_STORAGE_FULL', 'HERALD_E_STORAGE_IO', 'HERALD_E_CORRUPT', 'HERALD_E_CLOSED']);

export interface AppenderOptions {
  /** Resolve appends only once their commit is fdatasync'd. */
  fsync: boolean;
  maxBatchEvents: number;
  /** Called after a commit that added events to `topic`. */
  notify: (topic: string) => void;
  /** Called after a commit that added events to streams. */
  notifyStreams: () => void;
  /** Makes the stream writer, the first time a stream append comes. */
  streamWriter: () => StreamWriter;
}

/**
 * The producer side of group commit: validates and serialises each append when it is called,
 * writes everything queued in one turn of the event loop in one transaction, and resolves each
 * append after the sync that covers its commit.
 */
export class Appender {
  private readonly queue: AppendQueue<AppendRequest>;
  private readonly rows: RowInserter;
  private streams: StreamWriter | undefined;

  constructor(private readonly engine: Engine, private readonly options: AppenderOptions) {
    this.queue = new AppendQueue((batch) => this.flush(batch), options.maxBatchEvents, () => engine.paused, () => options.fsync && !engine.sync.syncing);
    this.rows = new RowInserter(engine.db);
  }

  /** With `stream`, a stream append (its events already prepared); its part is filled in when it commits. */
  append(topic: string, events: readonly CloudEvent[], now: number, stream?: StreamPart): Promise<AppendReceipt[]> {
    const n = events.length;
    const bodies = new Array<string>(n);
    const ids = new Array<string>(n);
    const keys = new Array<string | null>(n);
    const crcs = new Array<number>(n);
    for (let i = 0; i < n; i++) {
      const event = events[i]!;
      bodies[i] = serialise(event, i);
      crcs[i] = bodyRegister(bodies[i]!);
      ids[i] = event.id;
      keys[i] = typeof event.partitionkey === 'string' ? event.partitionkey : null;
    }
    if (stream !== undefined) this.streams ??= this.options.streamWriter();
    return new Promise((resolve, reject) => this.queue.push({ topic, events: bodies, ids, keys, crcs, now, stream, resolve, reject }));
  }

  /** Writes what is queued now (not from inside another transaction, where it could be rolled back). */
  drain(): void {
    if (this.queue.size > 0 && !this.engine.inTransaction) this.queue.drain();
  }

  private flush(batch: AppendRequest[]): void {
    const fresh = new Set<string>();
    let streamsWritten = false;
    const run = (requests: AppendRequest[]): AppendResult[] => {
      const out = this.engine.write(() => writeAppends(this.engine.ctx, this.rows, requests, this.streams), `appending to ${requests[0]!.topic}`);
      out.fresh.forEach((t) => fresh.add(t));
      streamsWritten ||= out.streamsWritten;
      return out.results;
    };
    let results: AppendResult[];
    try {
      results = run(batch);
    } catch (error) {
      // A failure of the storage fails them all; anything else was one request's: write them one by one.
      const storage = isHeraldError(error) && STORAGE_FAILURES.has(error.code);
      results = batch.length === 1 || storage ? batch.map(() => ({ error })) : batch.map((r) => {
        try { return run([r])[0]!; } catch (e) { return { error: e }; }
      });
    }
    // Rows and their two index entries: what the checkpoint scheduler needs to know, roughly.
    let bytes = 0;
    for (const r of batch) for (let i = 0; i < r.events.length; i++) bytes += r.events[i]!.length + 2 * r.ids[i]!.length + 64;
    this.engine.wrote(bytes);
    if (!this.options.fsync) {
      settle(batch, results, true);
    } else {
      settle(batch, results, false);
      // One wait for the whole batch: its commit is covered by the first sync that starts after it.
      this.engine.sync.durable(this.engine.sync.latest).then(() => settle(batch, results, true), (error: unknown) => {
        for (let i = 0; i < batch.length; i++) if (Array.isArray(results[i])) batch[i]!.reject(error);
      });
    }
    fresh.forEach((topic) => this.options.notify(topic));
    if (streamsWritten) this.options.notifyStreams();
  }
}

/** Rejects the failed requests and, with `resolve`, resolves the others with their receipts. */
function settle(batch: readonly AppendRequest[], results: readonly AppendResult[], resolve: boolean): void {
  for (let i = 0; i < batch.length; i++) {
    const result = results[i]!;
    if (!Array.isArray(result)) batch[i]!.reject(result.error); // a second reject is a no-op
    else if (resolve) batch[i]!.resolve(result);
  }
}

/** Validates and serialises event `index` of an append. */
function serialise(event: CloudEvent, index: number): string {
  try {
    assertValidEnvelope(event);
    return JSON.stringify(event);
  } catch (error) {
    if (error instanceof HeraldError) throw atIndex(error, index);
    throw new HeraldError('HERALD_E_INVALID_EVENT', `event ${index}: not serialisable as JSON: ${String(error)}`, { details: { index }, cause: error });
  }
}
