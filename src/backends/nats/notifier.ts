import { nuid, type NatsConnection, type Subscription } from '@nats-io/transport-node';
import type { Layout } from './layout.js';

/**
 * `onAppend` across processes: an appender publishes a core NATS message on `<prefix>.n.<topic>`
 * (not stored; a wake-up call, nothing more). Listeners in the appending process are called
 * directly; its own notifications are ignored when they come back. The appends that finish in one
 * run of the microtask queue share one wake-up per topic: with one append per event, a message
 * per append doubled what the server routes for nothing.
 */
export class AppendNotifier {
  private readonly self = nuid.next();
  private readonly listeners = new Map<string, { set: Set<() => void>; sub: Subscription }>();
  private readonly pending = new Set<string>();

  constructor(private readonly nc: NatsConnection, private readonly layout: Layout) {}

  listen(topic: string, listener: () => void): () => void {
    let entry = this.listeners.get(topic);
    if (!entry) {
      const set = new Set<() => void>();
      const sub = this.nc.subscribe(this.layout.notify(topic), {
        callback: (_error, msg) => { if (msg.string() !== this.self) set.forEach((l) => l()); },
      });
      entry = { set, sub };
      this.listeners.set(topic, entry);
    }
    const { set } = entry;
    set.add(listener);
    return () => {
      set.delete(listener);
      const current = this.listeners.get(topic);
      if (current && current.set.size === 0) { current.sub.unsubscribe(); this.listeners.delete(topic); }
    };
  }

  appended(topic: string): void {
    if (this.pending.size === 0) queueMicrotask(() => this.wake());
    this.pending.add(topic);
  }

  private wake(): void {
    const topics = [...this.pending];
    this.pending.clear();
    for (const topic of topics) {
      this.listeners.get(topic)?.set.forEach((l) => l());
      if (!this.nc.isClosed()) this.nc.publish(this.layout.notify(topic), this.self);
    }
  }

  close(): void {
    for (const { sub } of this.listeners.values()) sub.unsubscribe();
    this.listeners.clear();
  }
}
