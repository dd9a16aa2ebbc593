import { assertValidEnvelope, type CloudEvent } from '../core/envelope.js';
import { invalidArgument } from '../core/errors.js';
import { assertPositiveInt, assertTopic } from '../log/names.js';

/**
 * The transactional outbox: events written in the same transaction as the business rows they
 * describe, then moved to an EventLog by a relay (outbox-relay.ts) in `seq` order. Rows leave
 * the outbox only after the log accepted them, so nothing committed is lost; a row relayed twice
 * (a crash between append and mark) is dropped by the log's id dedup.
 */
export interface OutboxRow {
  /** Increases with each enqueued event, in commit order. */
  seq: number;
  topic: string;
  event: CloudEvent;
  enqueuedAt: number;
}

/** The relay's side of an outbox: what `startOutboxRelay` reads, marks and waits on. */
export interface OutboxSource {
  readonly kind: string;
  /** The oldest rows not yet relayed, in `seq` order. */
  peek(limit: number): OutboxRow[] | Promise<OutboxRow[]>;
  /** Records that every row up to `seq` is on the log (durably, in the outbox's own store). */
  markRelayed(seq: number): void | Promise<void>;
  /** Rows not yet relayed. */
  pending(): number | Promise<number>;
  /** The highest `seq` not yet relayed (0 when none). */
  newestSeq(): number | Promise<number>;
  /** Calls `listener` after an enqueue (once it committed, where the store can tell); returns an unsubscribe. */
  onEnqueue(listener: () => void): () => void;
  /**
   * Where several relays may run at once (PostgreSQL): takes the outbox's relay lock, runs `relay`
   * on the oldest rows and deletes them once it resolves, all in one transaction. Resolves with
   * the rows relayed, or undefined when another relay holds the lock. The relay uses it instead
   * of `peek` + `markRelayed` when present.
   */
  claim?(limit: number, relay: (rows: OutboxRow[]) => Promise<void>): Promise<OutboxRow[] | undefined>;
}

/** An outbox whose enqueue joins the caller's synchronous transaction (sqlite, memory). */
export interface Outbox extends OutboxSource {
  /** Adds events bound for `topic`; call it inside the transaction that writes the business rows. */
  enqueue(topic: string, events: CloudEvent | readonly CloudEvent[]): void;
}

/** Checks an enqueue's arguments and returns the events as a list. */
export function checkEnqueue(topic: unknown, events: CloudEvent | readonly CloudEvent[]): readonly CloudEvent[] {
  assertTopic(topic);
  const list = Array.isArray(events) ? (events as readonly CloudEvent[]) : [events as CloudEvent];
  if (list.length === 0) throw invalidArgument('events must hold at least one event', { field: 'events' });
  list.forEach((e) => { assertValidEnvelope(e); });
  return list;
}

/** Listeners told after an enqueue, once the enqueuing (synchronous) transaction has ended. */
export class EnqueueListeners {
  private readonly listeners = new Set<() => void>();
  private scheduled = false;

  add(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => { this.listeners.delete(listener); };
  }

  notify(): void {
    if (this.scheduled || this.listeners.size === 0) return;
    this.scheduled = true;
    queueMicrotask(() => { this.scheduled = false; this.listeners.forEach((l) => { l(); }); });
  }
}

/**
 * An outbox in memory, for tests and examples. `transaction(fn)` keeps the enqueues made by `fn`
 * only if it returns, as a database transaction would.
 */
export class MemoryOutbox implements Outbox {
  readonly kind = 'memory';
  private rows: OutboxRow[] = [];
  private staged: OutboxRow[] | undefined;
  private seq = 0;
  private readonly listeners = new EnqueueListeners();

  constructor(private readonly now: () => number = Date.now) {}

  enqueue(topic: string, events: CloudEvent | readonly CloudEvent[]): void {
    const list = checkEnqueue(topic, events);
    const rows = list.map((event) => ({ seq: ++this.seq, topic, event: structuredClone(event), enqueuedAt: this.now() }));
    (this.staged ?? this.rows).push(...rows);
    this.listeners.notify();
  }

  transaction<T>(fn: () => T): T {
    if (this.staged) return fn();
    this.staged = [];
    try {
      const result = fn();
      this.rows.push(...this.staged);
      return result;
    } finally {
      this.staged = undefined;
    }
  }

  peek(limit: number): OutboxRow[] {
    assertPositiveInt(limit, 'limit');
    return this.rows.slice(0, limit).map((r) => structuredClone(r));
  }

  markRelayed(seq: number): void {
    this.rows = this.rows.filter((r) => r.seq > seq);
  }

  pending(): number {
    return this.rows.length;
  }

  newestSeq(): number {
    return this.rows.at(-1)?.seq ?? 0;
  }

  onEnqueue(listener: () => void): () => void {
    return this.listeners.add(listener);
  }
}
