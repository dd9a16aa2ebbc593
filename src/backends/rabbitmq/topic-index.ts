/**
 * What one process knows about a topic's data stream, built by tailing it from its first
 * offset: for each position (stream offset + 1) the event's id, key, type and append time, and
 * whether it repeats an id already in the stream (the first occurrence wins, for every process
 * alike). Recent bodies are cached so fetches rarely need a stream read.
 */
export interface IndexEntry {
  id: string;
  key: string | undefined;
  type: string;
  /** Append time: the appender's clock, made non-decreasing in stream order. */
  at: number;
  /** A later copy of an id already in the topic (two processes appended it at once): never delivered. */
  duplicate: boolean;
}

export interface IncomingEvent {
  id: string;
  key: string | undefined;
  type: string;
  at: number;
  tag: string | undefined;
  body: Buffer;
}

export class TopicIndex {
  private readonly entries = new Map<number, IndexEntry>();
  private readonly firstById = new Map<string, number>();
  private readonly cache = new Map<number, Buffer>();
  /** Cached positions, oldest first from `cachedFrom`: evicting with `cache.keys().next()` walks
   * over the deleted slots V8's Map keeps until it rehashes, which cost ~10% of an append's CPU. */
  private cached: number[] = [];
  private cachedFrom = 0;
  private readonly tagWaiters = new Map<string, { resolve: (position: number) => void; reject: (error: Error) => void }>();
  private reachWaiters: { position: number; resolve: () => void; reject: (error: Error) => void }[] = [];
  private failure: Error | undefined;
  readonly listeners = new Set<() => void>();
  /** First position this process saw (the stream may have been trimmed before it). */
  base = 0;
  /** Last position seen, of any kind. */
  last = 0;
  /** Last position holding an event that is not a duplicate. */
  head = 0;
  /** Events that are not duplicates. */
  liveCount = 0;
  private lastAt = 0;

  constructor(private readonly cacheLimit: number) {}

  add(position: number, incoming: IncomingEvent): void {
    if (position <= this.last) return; // a redelivery after a consumer restart
    if (this.base === 0) this.base = position;
    this.last = position;
    this.lastAt = Math.max(this.lastAt, incoming.at);
    const duplicate = this.firstById.has(incoming.id);
    this.entries.set(position, { id: incoming.id, key: incoming.key, type: incoming.type, at: this.lastAt, duplicate });
    if (!duplicate) {
      this.firstById.set(incoming.id, position);
      this.head = position;
      this.liveCount++;
      this.cacheBody(position, incoming.body);
    }
    if (incoming.tag !== undefined) {
      const waiter = this.tagWaiters.get(incoming.tag);
      if (waiter) { this.tagWaiters.delete(incoming.tag); waiter.resolve(position); }
    }
    if (this.reachWaiters.length > 0 && this.reachWaiters.some((w) => w.position <= position)) {
      const ready = this.reachWaiters.filter((w) => w.position <= position);
      this.reachWaiters = this.reachWaiters.filter((w) => w.position > position);
      ready.forEach((w) => w.resolve());
    }
    if (!duplicate && this.listeners.size > 0) queueMicrotask(() => this.listeners.forEach((l) => l()));
  }

  private cacheBody(position: number, body: Buffer): void {
    this.cache.set(position, body);
    this.cached.push(position);
    if (this.cached.length - this.cachedFrom > this.cacheLimit) this.cache.delete(this.cached[this.cachedFrom++]!);
    if (this.cachedFrom >= 4096 && this.cachedFrom * 2 >= this.cached.length) {
      this.cached = this.cached.slice(this.cachedFrom);
      this.cachedFrom = 0;
    }
  }

  entry(position: number): IndexEntry | undefined {
    return this.entries.get(position);
  }

  /** Position of the first (kept) occurrence of `id`. */
  positionOf(id: string): number | undefined {
    return this.firstById.get(id);
  }

  body(position: number): Buffer | undefined {
    return this.cache.get(position);
  }

  /** Resolves with the position of the message published with `tag`. Register before publishing. */
  expect(tag: string): Promise<number> {
    const seen = new Promise<number>((resolve, reject) => {
      if (this.failure) reject(this.failure);
      else this.tagWaiters.set(tag, { resolve, reject });
    });
    seen.catch(() => undefined); // an append whose publish failed never awaits it: no unhandled rejection
    return seen;
  }

  /**
   * The tail stopped for good (connection lost, log closed): whoever waits for a position it
   * will never see fails with `error` instead of waiting forever (R10: broker kill -9).
   */
  fail(error: Error): void {
    this.failure ??= error;
    for (const waiter of this.tagWaiters.values()) waiter.reject(this.failure);
    this.tagWaiters.clear();
    for (const waiter of this.reachWaiters) waiter.reject(this.failure);
    this.reachWaiters = [];
  }

  forget(tag: string): void {
    this.tagWaiters.delete(tag);
  }

  /** Resolves once every position up to `position` was seen. */
  reached(position: number): Promise<void> {
    if (position <= this.last) return Promise.resolve();
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => this.reachWaiters.push({ position, resolve, reject }));
  }

  /** Append time of the first entry at or after `position` (up to `head`), for searches by time. */
  atFrom(position: number, head: number): number | undefined {
    for (let p = Math.max(position, this.base); p <= head; p++) {
      const e = this.entries.get(p);
      if (e) return e.at;
    }
    return undefined;
  }
}
