import { keyOf } from '../core/envelope.js';
import { HeraldError, isHeraldError } from '../core/errors.js';
import { toMillis } from '../core/duration.js';
import { deadLetter } from '../log/dead-letters.js';
import { assertGroup, assertPositiveInt, assertStartFrom, assertTopic } from '../log/names.js';
import type { Delivery, EventLog } from '../log/types.js';
import { backoffDelay } from './backoff.js';
import { isPermanent, toFailureInfo } from './failure.js';
import { SettleBuffer } from './settle-buffer.js';
import { Fetcher } from './fetcher.js';
import type { HandlerContext, SubscribeOptions, Subscription, SubscriptionStats } from './types.js';
import { assertCapabilities } from './requirements.js';

/** Runs one handled delivery; resolving means done (acked or handed to the ack buffer). */
export type Execute = (delivery: Delivery, ctx: HandlerContext, settle: SettleBuffer) => Promise<void>;

interface Held { delivery: Delivery; started: boolean; lost: boolean }

/**
 * The consumer runtime, written once for every backend: fetch leased deliveries up to
 * `maxInFlight`, run them in per-key lanes (same key: in order, one at a time; different keys:
 * up to `concurrency` at once), ack in batches, retry with backoff, dead-letter after
 * `maxAttempts`, renew leases while work is held, and drain on close.
 */
export class Runner implements Subscription {
  readonly closed: Promise<void>;
  private readonly lanes = new Map<string, Held[]>();
  private readonly waiting: string[] = [];
  private readonly counts: SubscriptionStats = { handled: 0, failed: 0, deadLettered: 0, stale: 0, inFlight: 0 };
  private readonly abort = new AbortController();
  private readonly buffer: SettleBuffer;
  private readonly leaseMs: number;
  private readonly pollMs: number;
  private readonly concurrency: number;
  private readonly maxInFlight: number;
  private readonly maxAttempts: number;
  private running = 0;
  /** A key's lane ran dry since the last settle: once its acks land, the log may hand out its next events. */
  private laneEmptied = false;
  private stopping = false;
  private idleDone: (() => void) | undefined;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly unlisten: () => void;
  private readonly fetcher: Fetcher;
  /** Deliveries in the lanes (running or queued). */
  private held = 0;

  constructor(
    private readonly log: EventLog,
    readonly topic: string,
    private readonly options: SubscribeOptions,
    private readonly execute: Execute,
  ) {
    assertTopic(topic);
    assertGroup(options.group);
    if (options.from !== undefined) assertStartFrom(options.from);
    assertCapabilities(log, options.requires, options.from);
    this.concurrency = options.concurrency ?? 8;
    this.maxInFlight = options.maxInFlight ?? Math.max(256, this.concurrency);
    this.maxAttempts = options.maxAttempts ?? 5;
    assertPositiveInt(this.concurrency, 'concurrency');
    assertPositiveInt(this.maxInFlight, 'maxInFlight');
    assertPositiveInt(this.maxAttempts, 'maxAttempts');
    this.leaseMs = toMillis(options.lease ?? 30_000, 'lease');
    this.pollMs = toMillis(options.pollInterval ?? 250, 'pollInterval');
    assertPositiveInt(this.leaseMs, 'lease');
    this.buffer = new SettleBuffer(log, topic, options.group, (error, settlement, outcome) => {
      if (outcome === 'stale' && settlement.kind === 'ack') { this.counts.stale++; this.options.observer?.staleAck?.(settlement.position); }
      if (outcome === 'stale' && settlement.kind !== 'ack') return;
      this.options.onError?.(error ?? new HeraldError('HERALD_E_STALE_LEASE', `${settlement.kind} of ${topic}#${settlement.position} came after its lease was lost`));
    }, undefined, () => this.keysSettled(), this.leaseMs);
    this.unlisten = log.onAppend(topic, () => this.wake());
    const renew = setInterval(() => this.renewLeases(), Math.max(10, Math.floor(this.leaseMs / 3)));
    renew.unref();
    this.timers.push(renew);
    this.fetcher = new Fetcher({
      maxInFlight: this.maxInFlight, maxFetches: log.fetchesInFlight ?? 1, pollMs: this.pollMs, held: () => this.held,
      fetch: (max) => this.log.fetch(this.topic, this.group, { max, leaseMs: this.leaseMs, from: this.options.from ?? 'earliest' }),
      take: (deliveries) => { for (const d of deliveries) this.enqueue(d); },
      giveBack: (deliveries) => { for (const d of deliveries) this.giveBack(d); },
      onError: (error) => this.options.onError?.(error),
      onClosed: () => { this.stopping = true; },
    });
    this.fetcher.start();
    this.closed = this.fetcher.done.then(() => this.idle()).then(() => this.shutdown());
  }

  get group(): string {
    return this.options.group;
  }

  stats(): SubscriptionStats {
    return { ...this.counts, inFlight: this.held };
  }

  async close(options: { timeout?: Duration } = {}): Promise<void> {
    if (!this.stopping) {
      this.stopping = true;
      this.buffer.stopRetrying();
      this.releaseQueued();
      this.fetcher.stop();
      const timeout = toMillis(options.timeout ?? 30_000, 'timeout');
      const timer = setTimeout(() => this.abort.abort(new HeraldError('HERALD_E_CLOSED', 'subscription closed before the handler finished')), timeout);
      timer.unref();
      this.timers.push(timer);
    }
    await this.closed;
  }

  private enqueue(delivery: Delivery): void {
    const lane = keyOf(delivery.event) ?? `\u0000${delivery.position}`;
    const queue = this.lanes.get(lane);
    const held = { delivery, started: false, lost: false };
    this.held++;
    if (queue) { queue.push(held); return; }
    this.lanes.set(lane, [held]);
    this.schedule(lane);
  }

  private schedule(lane: string): void {
    if (this.running < this.concurrency) void this.runLane(lane);
    else this.waiting.push(lane);
  }

  private async runLane(lane: string): Promise<void> {
    this.running++;
    const queue = this.lanes.get(lane)!;
    try {
      while (queue.length > 0) {
        const held = queue[0]!;
        if (held.lost || this.abort.signal.aborted) { queue.shift(); this.held--; continue; }
        held.started = true;
        const parked = await this.process(held.delivery);
        queue.shift();
        this.held--;
        if (parked) { this.release(queue.splice(0)); break; }
        if (this.waiting.length > 0 && queue.length > 0) { this.waiting.push(lane); return; } // let other keys in
      }
      this.lanes.delete(lane);
      this.laneEmptied = true;
    } finally {
      this.running--;
      const next = this.waiting.shift();
      if (next !== undefined) void this.runLane(next);
      this.wake();
      if (this.running === 0) this.idleDone?.();
    }
  }

  /** Handles one delivery; true when it failed and its key must wait for the retry. */
  private async process(d: Delivery): Promise<boolean> {
    const observed = this.options.observer?.attempt(d);
    if (d.attempt > this.maxAttempts) {
      const error = d.lastError ?? { message: `lease expired ${d.attempt - 1} times without an ack` };
      const dead = await this.deadLetter(d, error);
      observed?.end(dead ? 'dead-lettered' : 'retry', error);
      return false;
    }
    const ctx: HandlerContext = { delivery: meta(d), signal: this.abort.signal };
    try {
      await (observed ? observed.run(() => this.execute(d, ctx, this.buffer)) : this.execute(d, ctx, this.buffer));
      this.counts.handled++;
      observed?.end('ok');
      return false;
    } catch (error) {
      if (isHeraldError(error, 'HERALD_E_STALE_LEASE')) { this.counts.stale++; this.options.onError?.(error, d); observed?.end('stale', error); return false; }
      this.counts.failed++;
      this.options.onError?.(error, d);
      if (isPermanent(error) || d.attempt >= this.maxAttempts) {
        const dead = await this.deadLetter(d, toFailureInfo(error));
        observed?.end(dead ? 'dead-lettered' : 'retry', error);
        return false;
      }
      const delayMs = backoffDelay(d.attempt, this.options.backoff);
      this.buffer.send({ kind: 'nack', position: d.position, leaseId: d.leaseId, delayMs, error: toFailureInfo(error) });
      this.wakeAfter(delayMs);
      observed?.end('retry', error);
      return true;
    }
  }

  /** True when the event is in the dead-letter topic and acked; false when that failed (it will come back). */
  private async deadLetter(d: Delivery, error: ReturnType<typeof toFailureInfo>): Promise<boolean> {
    try {
      await deadLetter(this.log, d, error, this.options.name);
      this.counts.deadLettered++;
      return true;
    } catch (failure) {
      this.options.onError?.(failure, d); // the lease will expire and the event come back
      return false;
    }
  }

  /** Gives back deliveries taken out of their lane. */
  private release(items: Held[]): void {
    this.held -= items.length;
    for (const { delivery } of items) this.giveBack(delivery);
  }

  private giveBack(d: Delivery): void {
    this.buffer.send({ kind: 'release', position: d.position, leaseId: d.leaseId });
  }

  /** Gives back everything queued but not started, so other consumers get it at once. */
  private releaseQueued(): void {
    for (const [lane, queue] of this.lanes) {
      this.release(queue.filter((h) => !h.started));
      const running = queue.filter((h) => h.started);
      queue.splice(0, queue.length, ...running); // the running lane keeps its array
      if (running.length === 0) this.lanes.delete(lane);
    }
    this.waiting.length = 0;
  }

  private renewLeases(): void {
    const now = Date.now();
    for (const queue of this.lanes.values()) {
      for (const held of queue) {
        const d = held.delivery;
        if (held.lost || d.leaseUntil - now > (this.leaseMs * 2) / 3) continue;
        d.leaseUntil = now + this.leaseMs;
        void this.buffer.add({ kind: 'extend', position: d.position, leaseId: d.leaseId, leaseMs: this.leaseMs })
          .then((o) => { if (o === 'stale' && !held.started) held.lost = true; });
      }
    }
  }


  /** After a batch of settlements: wake a fetch that found every key busy, if one of ours is now free. */
  private keysSettled(): void {
    if (!this.laneEmptied) return;
    this.laneEmptied = false;
    this.wake();
  }

  private wake(): void {
    if (!this.stopping) this.fetcher.wake();
  }

  private wakeAfter(ms: number): void {
    const t = setTimeout(() => this.wake(), ms + 1);
    t.unref();
  }

  private idle(): Promise<void> {
    if (this.running === 0) return Promise.resolve();
    return new Promise((resolve) => { this.idleDone = resolve; });
  }

  private async shutdown(): Promise<void> {
    this.timers.forEach((t) => clearTimeout(t));
    this.unlisten();
    await this.buffer.flush();
  }
}

type Duration = NonNullable<SubscribeOptions['lease']>;

/** The delivery without its event (a handler logging its context must not log the data); a plain literal, cheaper than a rest spread. */
function meta(d: Delivery): Omit<Delivery, 'event'> {
  const m: Omit<Delivery, 'event'> = { topic: d.topic, position: d.position, appendedAt: d.appendedAt, group: d.group, attempt: d.attempt, leaseId: d.leaseId, leaseUntil: d.leaseUntil };
  if (d.lastError !== undefined) m.lastError = d.lastError;
  return m;
}
