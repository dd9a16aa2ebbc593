import { toMillis, type Duration } from '../core/duration.js';
import { HeraldError, invalidArgument, isHeraldError } from '../core/errors.js';
import { backoffDelay } from '../consumer/backoff.js';
import type { BackoffOptions } from '../consumer/types.js';
import { assertPositiveInt } from '../log/names.js';
import type { EventLog } from '../log/types.js';
import type { OutboxRow, OutboxSource } from './outbox.js';
import { errorSummary } from './projection-failure.js';
import { Waker } from './waker.js';

export interface OutboxRelayOptions {
  /** Any outbox: sqliteOutbox, MemoryOutbox, pgOutbox. */
  outbox: OutboxSource;
  /** Any backend's log; its append is idempotent by event id, which absorbs a re-relayed row. */
  log: EventLog;
  /** Most rows read (and appended) per round (default 256). */
  batchSize?: number;
  /** How often an idle relay looks for rows enqueued by other processes (default 500ms). */
  pollInterval?: Duration;
  /** Delay between failed rounds (default 100ms doubling up to 10s, with jitter). */
  backoff?: BackoffOptions;
  /** Called for every failed round, for logging and metrics. */
  onError?: (error: unknown) => void;
}

export interface RelayFailure {
  message: string;
  name?: string;
  code?: string;
  /** The first row of the append that failed. */
  seq?: number;
  topic?: string;
  at: number;
}

export interface OutboxRelayStatus {
  state: 'running' | 'stopped';
  /** Rows waiting in the outbox. */
  pending: number;
  /** Events this relay appended since it started (re-relayed duplicates included). */
  relayed: number;
  /** The last row this relay marked relayed (0 before the first). */
  lastSeq: number;
  /** Failed rounds since it started; the relay retries them, it never skips a row. */
  errors: number;
  lastError?: RelayFailure;
}

export interface OutboxRelay {
  status(): Promise<OutboxRelayStatus>;
  /** Resolves once every row enqueued before the call is on the log. */
  flush(options?: { timeout?: Duration }): Promise<void>;
  /** Finishes the append in progress (and its mark), then stops. */
  close(): Promise<void>;
  readonly closed: Promise<void>;
}

/** The rows of a batch by topic, each topic's in `seq` order. */
function byTopic(rows: readonly OutboxRow[]): OutboxRow[][] {
  const groups = new Map<string, OutboxRow[]>();
  for (const row of rows) {
    const group = groups.get(row.topic);
    if (group) group.push(row); else groups.set(row.topic, [row]);
  }
  return [...groups.values()];
}

/**
 * Moves outbox rows to the log: a batch at a time, one append per topic (the topics of a batch
 * concurrently, each topic's rows in `seq` order), then the batch is marked relayed in the
 * outbox's store. A crash (or a failed append) before the mark re-appends the batch, and the
 * log's id dedup keeps one copy: effectively once, within the log's dedup window. Order per
 * topic is the enqueue order; between topics there is none. A failing append is retried with
 * backoff for as long as it fails (visible in `status()`): a row is never skipped. Woken by
 * enqueues in this process; polls for other processes'.
 */
export function startOutboxRelay(options: OutboxRelayOptions): OutboxRelay {
  return new Relay(options);
}

/** An append failed for the rows starting at `row`. */
class RowFailure extends Error {
  constructor(readonly row: OutboxRow, override readonly cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause));
  }
}

interface Flush { target: number; resolve: () => void; reject: (error: Error) => void }

class Relay implements OutboxRelay {
  readonly closed: Promise<void>;
  private readonly outbox: OutboxSource;
  private readonly log: EventLog;
  private readonly batchSize: number;
  private readonly pollMs: number;
  private readonly waker = new Waker();
  private readonly flushes = new Set<Flush>();
  private readonly unlisten: () => void;
  private stopping = false;
  private relayed = 0;
  private lastSeq = 0;
  private errors = 0;
  private streak = 0;
  private lastError: RelayFailure | undefined;

  constructor(private readonly options: OutboxRelayOptions) {
    if (typeof options?.outbox?.peek !== 'function') throw invalidArgument('outbox must be an Outbox', { field: 'outbox' });
    if (typeof options.log?.append !== 'function') throw invalidArgument('log must be an EventLog', { field: 'log' });
    this.outbox = options.outbox;
    this.log = options.log;
    this.batchSize = options.batchSize ?? 256;
    assertPositiveInt(this.batchSize, 'batchSize');
    this.pollMs = toMillis(options.pollInterval ?? 500, 'pollInterval');
    this.unlisten = this.outbox.onEnqueue(() => this.waker.wake());
    this.closed = this.loop().finally(() => {
      this.unlisten();
      for (const f of this.flushes) f.reject(new HeraldError('HERALD_E_CLOSED', 'the outbox relay stopped before the flush completed'));
      this.flushes.clear();
    });
  }

  async status(): Promise<OutboxRelayStatus> {
    const status: OutboxRelayStatus = {
      state: this.stopping ? 'stopped' : 'running', pending: await this.outbox.pending(),
      relayed: this.relayed, lastSeq: this.lastSeq, errors: this.errors,
    };
    if (this.lastError) status.lastError = { ...this.lastError };
    return status;
  }

  async flush(options: { timeout?: Duration } = {}): Promise<void> {
    const timeoutMs = toMillis(options.timeout ?? 30_000, 'timeout');
    const target = await this.outbox.newestSeq();
    if (target === 0) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.flushes.delete(flush);
        reject(new HeraldError('HERALD_E_TIMEOUT', `outbox rows up to ${target} were not relayed within ${timeoutMs}ms${this.lastError ? `: ${this.lastError.message}` : ''}`));
      }, timeoutMs);
      const flush: Flush = { target, resolve: () => { clearTimeout(timer); resolve(); }, reject: (error) => { clearTimeout(timer); reject(error); } };
      if (this.stopping) { flush.reject(new HeraldError('HERALD_E_CLOSED', 'the outbox relay is stopped')); return; }
      this.flushes.add(flush);
      this.waker.wake();
    });
  }

  async close(): Promise<void> {
    this.stopping = true;
    this.waker.wake();
    await this.closed;
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      try {
        const rows = await this.outbox.peek(this.batchSize);
        this.settleFlushes(rows[0]?.seq ?? Infinity);
        if (rows.length === 0) { await this.waker.sleep(this.pollMs); continue; }
        if (!(await this.relay(rows))) { await this.waker.sleep(this.pollMs); continue; } // another relay is at work
        this.streak = 0;
      } catch (error) {
        if (isHeraldError(this.fail(error), 'HERALD_E_CLOSED')) break;
        await this.pause(backoffDelay(++this.streak, { initial: 100, max: 10_000, ...this.options.backoff }));
      }
    }
    this.stopping = true;
  }

  /**
   * Appends a batch and marks it (through `claim` when the outbox has one, re-reading the rows under
   * its lock); false when another relay holds that lock. Throws the first failure (nothing marked).
   */
  private async relay(peeked: readonly OutboxRow[]): Promise<boolean> {
    let rows: readonly OutboxRow[] | undefined = peeked;
    if (this.outbox.claim) {
      rows = await this.outbox.claim(this.batchSize, (claimed) => this.append(claimed));
      if (rows === undefined) return false;
    } else {
      await this.append(rows);
      await this.outbox.markRelayed(rows.at(-1)!.seq);
    }
    this.relayed += rows.length;
    this.lastSeq = rows.at(-1)?.seq ?? this.lastSeq;
    return true;
  }

  /** One append per topic (concurrently), each topic's rows in `seq` order; throws the first failure. */
  private async append(rows: readonly OutboxRow[]): Promise<void> {
    const groups = byTopic(rows);
    const results = await Promise.allSettled(groups.map((group) => this.log.append(group[0]!.topic, group.map((r) => r.event))));
    const failed = results.findIndex((r) => r.status === 'rejected');
    if (failed >= 0) throw new RowFailure(groups[failed]![0]!, (results[failed] as PromiseRejectedResult).reason);
  }

  /** Records a failed round; returns the error itself (unwrapped from its rows). */
  private fail(error: unknown): unknown {
    const row = error instanceof RowFailure ? error.row : undefined;
    const cause = error instanceof RowFailure ? error.cause : error;
    this.errors++;
    this.lastError = { ...errorSummary(cause), at: Date.now(), ...(row ? { seq: row.seq, topic: row.topic } : {}) };
    this.options.onError?.(cause);
    return cause;
  }

  /** Every row below `firstPending` is relayed (by this relay or another one). */
  private settleFlushes(firstPending: number): void {
    for (const f of this.flushes) if (f.target < firstPending) { this.flushes.delete(f); f.resolve(); }
  }

  private async pause(ms: number): Promise<void> {
    const until = Date.now() + ms;
    while (!this.stopping && Date.now() < until) await this.waker.sleep(until - Date.now());
  }
}
