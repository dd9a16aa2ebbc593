import type { Redis } from 'ioredis';
import { keepAlive } from './connection.js';

/**
 * onAppend across processes: the append and requeue scripts PUBLISH on the topic's channel, and
 * one subscriber connection per log (opened with the first listener) calls the listeners. An
 * append made by this process also calls them directly, without waiting for the round trip.
 * A listener may be called more than once per append: it is a wake-up, not a count.
 */
export class AppendNotifier {
  private subscriber: Redis | undefined;
  private readonly listeners = new Map<string, Set<() => void>>();

  constructor(private readonly client: Redis, private readonly keepAliveMs: number) {}

  on(channel: string, listener: () => void): () => void {
    let set = this.listeners.get(channel);
    if (!set) {
      set = new Set();
      this.listeners.set(channel, set);
      // A lost subscription only costs latency: consumers also poll.
      this.connection().subscribe(channel).catch(() => undefined);
    }
    set.add(listener);
    return () => {
      if (!set.delete(listener) || set.size > 0) return;
      this.listeners.delete(channel);
      this.subscriber?.unsubscribe(channel).catch(() => undefined);
    };
  }

  /** Calls the listeners of a channel soon (after an append by this process). */
  local(channel: string): void {
    const set = this.listeners.get(channel);
    if (set) queueMicrotask(() => set.forEach((listener) => listener()));
  }

  async close(): Promise<void> {
    const subscriber = this.subscriber;
    this.subscriber = undefined;
    this.listeners.clear();
    if (subscriber) await subscriber.quit().catch(() => subscriber.disconnect());
  }

  private connection(): Redis {
    if (!this.subscriber) {
      const subscriber = this.client.duplicate({ enableAutoPipelining: false });
      subscriber.on('error', () => undefined);
      // The duplicate keeps socketTimeout; PINGs give the idle subscriber something to time out on.
      keepAlive(subscriber, this.keepAliveMs);
      subscriber.on('message', (channel: string) => this.listeners.get(channel)?.forEach((listener) => listener()));
      this.subscriber = subscriber;
    }
    return this.subscriber;
  }
}
