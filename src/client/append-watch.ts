/**
 * `onAppend` for a remote log: listeners hear this client's own appends at once, and appends
 * by anyone else when a poll of the topic's head (every `pollMs`, only while someone listens)
 * finds it moved. A poll that fails (no `read` permission, server away) is retried quietly.
 */
interface Watched { listeners: Set<() => void>; head: number | undefined; timer?: NodeJS.Timeout; busy: boolean }

export class AppendWatch {
  private readonly topics = new Map<string, Watched>();

  constructor(private readonly pollMs: number, private readonly headOf: (topic: string) => Promise<number>) {}

  listen(topic: string, listener: () => void): () => void {
    let entry = this.topics.get(topic);
    if (!entry) {
      const created: Watched = { listeners: new Set(), head: undefined, busy: false };
      this.topics.set(topic, (entry = created));
      if (this.pollMs > 0) {
        created.timer = setInterval(() => void this.poll(topic), this.pollMs);
        created.timer.unref();
        void this.poll(topic);
      }
    }
    entry.listeners.add(listener);
    return () => {
      entry.listeners.delete(listener);
      if (entry.listeners.size === 0 && this.topics.get(topic) === entry) {
        clearInterval(entry.timer);
        this.topics.delete(topic);
      }
    };
  }

  /** This client appended up to `head`. */
  appended(topic: string, head: number): void {
    const entry = this.topics.get(topic);
    if (!entry) return;
    entry.head = Math.max(entry.head ?? 0, head);
    this.notify(entry.listeners);
  }

  private async poll(topic: string): Promise<void> {
    const entry = this.topics.get(topic);
    if (!entry || entry.busy) return;
    entry.busy = true;
    try {
      const head = await this.headOf(topic);
      const moved = entry.head !== undefined && head > entry.head;
      entry.head = Math.max(entry.head ?? 0, head);
      if (moved) this.notify(entry.listeners);
    } catch {
      // retried at the next tick
    } finally {
      entry.busy = false;
    }
  }

  private notify(listeners: Set<() => void>): void {
    for (const listener of [...listeners]) {
      try {
        listener();
      } catch {
        // a listener's failure is its own
      }
    }
  }

  close(): void {
    for (const entry of this.topics.values()) clearInterval(entry.timer);
    this.topics.clear();
  }
}
