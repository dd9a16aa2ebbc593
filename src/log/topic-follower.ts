import type { EventLog, StoredEvent } from './types.js';

/**
 * Keeps a process up to date with one of herald's own topics (keys, schemas): `refresh` reads
 * what was appended since the last look and hands each event to `apply`, in order. The owner
 * calls it once at open (replaying the topic) and after each of its own appends; every `pollMs`
 * (0: never) it also runs by itself to pick up what other processes appended. Refreshes run one
 * at a time, and a failed one does not stop the next.
 */
export class TopicFollower {
  private next = 1;
  private chain: Promise<void> = Promise.resolve();
  private readonly timer: NodeJS.Timeout | undefined;

  constructor(private readonly log: EventLog, readonly topic: string, private readonly apply: (stored: StoredEvent) => void, pollMs: number) {
    if (pollMs > 0) {
      this.timer = setInterval(() => void this.refresh().catch(() => undefined), pollMs);
      this.timer.unref();
    }
  }

  refresh(): Promise<void> {
    this.chain = this.chain.catch(() => undefined).then(() => this.catchUp());
    return this.chain;
  }

  private async catchUp(): Promise<void> {
    for await (const stored of this.log.read(this.topic, { from: { position: this.next } })) {
      this.next = stored.position + 1;
      this.apply(stored);
    }
  }

  /** Stops polling and waits for a refresh under way. */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.chain.catch(() => undefined);
  }
}
