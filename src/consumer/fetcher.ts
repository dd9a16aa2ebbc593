import { AsyncResource } from 'node:async_hooks';
import { isHeraldError } from '../core/errors.js';
import type { Delivery } from '../log/types.js';
import { backoffDelay } from './backoff.js';

export interface FetcherOptions {
  maxInFlight: number;
  /** Fetches out at once: the log's `fetchesInFlight` (see EventLog). */
  maxFetches: number;
  pollMs: number;
  /** Deliveries the subscription holds now (running or queued). */
  held(): number;
  fetch(max: number): Promise<Delivery[]>;
  /** A fetch's deliveries, while the subscription runs. */
  take(deliveries: Delivery[]): void;
  /** A fetch's deliveries that came after `stop()`: to be given back. */
  giveBack(deliveries: Delivery[]): void;
  /** A fetch failed (it is retried after a backoff). */
  onError(error: unknown): void;
  /** The log was closed under the subscription. */
  onClosed(): void;
}

/**
 * Keeps a subscription supplied: a fetch goes out whenever at least half of `maxInFlight` is free
 * (counting what fetches out already asked for), at most `maxFetches` at once. After an empty
 * answer it waits `pollMs`, after a failure a backoff; `wake()` (an append, a handler done) cuts
 * either short.
 */
export class Fetcher {
  readonly done: Promise<void>;
  private finished: () => void = () => undefined;
  private fetches = 0;
  private requested = 0;
  private errors = 0;
  /** The last answer was empty or a failure: no new fetch until the timer or a wake. */
  private quiet = false;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  /**
   * Fetches, and the handlers their answers start, run in the async context the subscription was
   * made in, never in that of whoever woke the fetcher (an append made inside a workflow step, a
   * handler's trace span): AsyncLocalStorage state must not leak into other deliveries.
   */
  private readonly scope = new AsyncResource('herald.fetcher');

  constructor(private readonly o: FetcherOptions) {
    this.done = new Promise((resolve) => { this.finished = resolve; });
  }

  start(): void {
    this.scope.runInAsyncScope(() => this.pump());
  }

  wake(): void {
    this.quiet = false;
    this.scope.runInAsyncScope(() => this.pump());
  }

  /** No new fetches; `done` resolves once those out have answered. */
  stop(): void {
    this.stopped = true;
    this.scope.runInAsyncScope(() => this.pump());
  }

  private pump(): void {
    if (this.stopped) {
      this.clearTimer();
      if (this.fetches === 0) this.finished();
      return;
    }
    const { maxInFlight } = this.o;
    while (!this.quiet && this.fetches < this.o.maxFetches) {
      const busy = this.o.held() + this.requested;
      const room = maxInFlight - busy;
      if (room <= 0 || (room < Math.ceil(maxInFlight / 2) && busy > 0)) break;
      this.send(room);
    }
    // Nothing out: look again later anyway (events appended by other processes, leases expiring).
    if (this.fetches === 0 && this.timer === undefined) {
      const ms = this.errors > 0 ? backoffDelay(this.errors, { initial: 50, max: 5_000 }) : this.o.pollMs;
      this.timer = setTimeout(() => { this.timer = undefined; this.quiet = false; this.pump(); }, ms);
    } else if (this.fetches > 0) this.clearTimer();
  }

  private send(room: number): void {
    this.fetches++;
    this.requested += room;
    let reserved = room;
    void this.o.fetch(room).then((deliveries) => {
      this.errors = 0;
      if (this.stopped) { if (deliveries.length > 0) this.o.giveBack(deliveries); return; }
      this.quiet = deliveries.length === 0;
      // What came is held now: no longer counted as asked for.
      this.requested -= reserved;
      reserved = 0;
      this.o.take(deliveries);
    }, (error: unknown) => {
      if (isHeraldError(error, 'HERALD_E_CLOSED')) { this.stopped = true; this.o.onClosed(); return; }
      this.errors++;
      this.quiet = true;
      this.o.onError(error);
    }).finally(() => {
      this.fetches--;
      this.requested -= reserved;
      this.pump();
    });
  }

  private clearTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
