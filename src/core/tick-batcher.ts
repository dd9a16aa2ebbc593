/**
 * Gathers items and hands them to `send` in batches: one batch per turn of the event loop, or at
 * once when `maxBatch` items are waiting, so a busy caller writes in batches rather than once per
 * item. Batches go one after another, in order. `send` should not reject (report failures
 * itself): a rejection would reject every later flush.
 */
export class TickBatcher<T> {
  private pending: T[] = [];
  private scheduled = false;
  private sending: Promise<void> = Promise.resolve();

  constructor(private readonly send: (batch: T[]) => Promise<void>, private readonly maxBatch: number) {}

  add(item: T): void {
    this.pending.push(item);
    if (this.pending.length >= this.maxBatch) void this.flush();
    else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => void this.flush());
    }
  }

  /** Sends what is waiting; resolves when everything added so far has been sent. */
  flush(): Promise<void> {
    this.scheduled = false;
    const batch = this.pending;
    this.pending = [];
    if (batch.length > 0) this.sending = this.sending.then(() => this.send(batch));
    return this.sending;
  }
}
