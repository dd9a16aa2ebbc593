import { Slots } from '../security/rate-limit.js';

/** How a live stream is ended: a WebSocket close code and reason (an SSE stream just ends). */
export type Closer = (code: number, reason: string) => void;

export const CLOSE = {
  goingAway: 1001,
  policy: 1008,
  tooBig: 1009,
  tryAgainLater: 1013,
} as const;

/**
 * Every open SSE and WebSocket stream, by API key: caps how many one key holds open, ends a
 * key's streams when it is revoked, and ends them all when the server shuts down.
 */
export class Streams {
  private readonly byKey = new Map<string, Set<Closer>>();
  private readonly slots: Slots;

  constructor(maxPerKey: number) {
    this.slots = new Slots(maxPerKey);
  }

  /** Registers a stream; undefined when the key already holds its maximum. Call the result when the stream ends. */
  open(key: string, closer: Closer): (() => void) | undefined {
    const release = this.slots.acquire(key);
    if (!release) return undefined;
    let set = this.byKey.get(key);
    if (!set) this.byKey.set(key, (set = new Set()));
    set.add(closer);
    return () => {
      release();
      set.delete(closer);
      if (set.size === 0 && this.byKey.get(key) === set) this.byKey.delete(key);
    };
  }

  closeKey(key: string, code: number, reason: string): void {
    for (const closer of [...(this.byKey.get(key) ?? [])]) closer(code, reason);
  }

  closeAll(code: number, reason: string): void {
    for (const key of [...this.byKey.keys()]) this.closeKey(key, code, reason);
  }

  get size(): number {
    let n = 0;
    for (const set of this.byKey.values()) n += set.size;
    return n;
  }
}
