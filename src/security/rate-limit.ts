/**
 * Token buckets per key (an API key id, or a client address for failed authentications):
 * `burst` requests at once, refilled at `perSecond`. A refused take says how long until one
 * token is back, for the `Retry-After` header. Memory is bounded: past `maxEntries` buckets the
 * oldest is forgotten (which can only make a limit more lenient, never refuse a good client).
 */
export interface RateOptions {
  perSecond: number;
  burst: number;
  maxEntries?: number;
}

export type Take = { ok: true } | { ok: false; retryAfterMs: number };

interface Bucket { tokens: number; at: number }

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly maxEntries: number;

  constructor(private readonly options: RateOptions, private readonly now: () => number = () => performance.now()) {
    if (!(options.perSecond > 0) || !(options.burst >= 1)) throw new RangeError('rate limits need perSecond > 0 and burst >= 1');
    this.maxEntries = options.maxEntries ?? 100_000;
  }

  take(key: string, cost = 1): Take {
    const now = this.now();
    let bucket = this.buckets.get(key);
    if (bucket === undefined) {
      if (this.buckets.size >= this.maxEntries) this.buckets.delete(this.buckets.keys().next().value!);
      bucket = { tokens: this.options.burst, at: now };
      this.buckets.set(key, bucket);
    } else {
      bucket.tokens = Math.min(this.options.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.options.perSecond);
      bucket.at = now;
    }
    if (bucket.tokens >= cost) {
      bucket.tokens -= cost;
      return { ok: true };
    }
    return { ok: false, retryAfterMs: Math.ceil(((cost - bucket.tokens) / this.options.perSecond) * 1000) };
  }
}

/** At most `max` concurrent holders per key (open streams per API key). */
export class Slots {
  private readonly held = new Map<string, number>();

  constructor(private readonly max: number) {}

  /** A release function, or undefined when the key already holds `max`. */
  acquire(key: string): (() => void) | undefined {
    const n = this.held.get(key) ?? 0;
    if (n >= this.max) return undefined;
    this.held.set(key, n + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.held.get(key) ?? 1) - 1;
      if (left <= 0) this.held.delete(key); else this.held.set(key, left);
    };
  }

  count(key: string): number {
    return this.held.get(key) ?? 0;
  }
}
