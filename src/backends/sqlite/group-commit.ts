import type { HeraldError } from '../../core/errors.js';

/**
 * Group commit, in two halves.
 *
 * `AppendQueue` gathers the appends made during one turn of the event loop and hands them to the
 * writer together (one transaction), bounded so that one commit stalls the loop only briefly.
 *
 * `SyncScheduler` makes commits durable: it fdatasyncs the write-ahead log on libuv's thread pool,
 * never on the main thread. Each commit gets a sequence number; a waiter for commit `n` is released
 * by the first sync that *started* after commit `n`. At most one sync runs at a time; commits made
 * meanwhile join the next one. A failed sync is final (fail-stop): pages that failed to reach the
 * disk may have been dropped from the page cache, so a later "successful" sync would prove nothing.
 */
export class SyncScheduler {
  private committed = 0;
  private synced = 0;
  private running = false;
  private waiters: Array<{ seq: number; resolve: () => void; reject: (error: unknown) => void }> = [];
  private readonly timer: NodeJS.Timeout | undefined;
  failure: HeraldError | undefined;

  constructor(
    private readonly sync: () => Promise<void>,
    private readonly toError: (error: unknown) => HeraldError,
    private readonly hooks: { onSynced?: () => void; onFailure?: (error: HeraldError) => void } = {},
    /** Also syncs this often when something committed that nobody waits for (acks, leases). */
    intervalMs = 100,
  ) {
    if (intervalMs > 0) {
      this.timer = setInterval(() => this.kick(), intervalMs);
      this.timer.unref();
    }
  }

  /** Records a commit; returns its sequence number. */
  commit(): number {
    return ++this.committed;
  }

  /** Resolves once commit `seq` (default: the latest) is on disk. */
  durable(seq: number = this.committed): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (seq <= this.synced) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.waiters.push({ seq, resolve, reject });
      this.kick();
    });
  }

  /** Sequence number of the latest commit. */
  get latest(): number {
    return this.committed;
  }

  get idle(): boolean {
    return !this.running && this.committed === this.synced;
  }

  /** True while an fdatasync is in flight. */
  get syncing(): boolean {
    return this.running;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  private kick(): void {
    if (this.running || this.failure || this.committed <= this.synced) return;
    const target = this.committed;
    this.running = true;
    this.sync().then(
      () => {
        this.running = false;
        this.synced = Math.max(this.synced, target);
        const done = this.waiters.filter((w) => w.seq <= target);
        this.waiters = this.waiters.filter((w) => w.seq > target);
        done.forEach((w) => w.resolve());
        this.hooks.onSynced?.();
        if (this.waiters.length > 0) this.kick();
      },
      (error: unknown) => {
        this.running = false;
        this.failure = this.toError(error);
        const failed = this.waiters;
        this.waiters = [];
        failed.forEach((w) => w.reject(this.failure));
        this.hooks.onFailure?.(this.failure);
      },
    );
  }
}

/** A tick's queue is split in two only when each half has at least this many events. */
export const LEAD_MIN_EVENTS = 256;

/**
 * Collects requests made in the same tick; `flush` receives at most ~`maxEvents` events at a time.
 *
 * Leader and followers: when `leads()` says a commit now would start a sync at once (none is
 * running), a large queue is split and only its first half is written; its sync then runs while
 * the second half is written in the next tick, which joins the next sync. With producers that wait
 * for their acks (a window of 1,000 publishes) this keeps two cohorts in flight, one syncing while
 * the other is committed, instead of one that alternates between the CPU and the disk. While a
 * sync runs, everything queued is written at once: it cannot be synced sooner anyway. A small
 * queue is never split: its half would not take as long to write as a sync.
 */
export class AppendQueue<R extends { events: readonly unknown[] }> {
  private queue: R[] = [];
  private queuedEvents = 0;
  private scheduled = false;

  constructor(
    private readonly flush: (batch: R[]) => void,
    private readonly maxEvents = 2048,
    /** While this returns a promise, nothing is flushed (a blocking checkpoint is running). */
    private readonly gate: () => Promise<void> | undefined = () => undefined,
    /** True when the next commit would lead (start a sync at once): then a large queue is split. */
    public leads: () => boolean = () => false,
  ) {}

  push(request: R): void {
    this.queue.push(request);
    this.queuedEvents += request.events.length;
    this.schedule();
  }

  get size(): number {
    return this.queue.length;
  }

  /** Writes everything queued now (before another operation, so the caller's order is kept). */
  drain(): void {
    if (this.gate()) return;
    while (this.queue.length > 0) this.flush(this.take(this.maxEvents));
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.tick());
  }

  private tick(): void {
    const wait = this.gate();
    if (wait) {
      void wait.then(() => this.tick());
      return;
    }
    this.scheduled = false;
    if (this.queue.length > 0) {
      const split = this.queuedEvents >= 2 * LEAD_MIN_EVENTS && this.leads();
      this.flush(this.take(split ? Math.min(this.maxEvents, Math.ceil(this.queuedEvents / 2)) : this.maxEvents));
    }
    if (this.queue.length > 0) this.schedule();
  }

  /** The first requests, up to `limit` events (at least one request). */
  private take(limit: number): R[] {
    let n = 0;
    let events = 0;
    while (n < this.queue.length && (n === 0 || events + this.queue[n]!.events.length <= limit)) {
      events += this.queue[n]!.events.length;
      n++;
    }
    this.queuedEvents -= events;
    return this.queue.splice(0, n);
  }
}
