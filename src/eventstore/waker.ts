/**
 * Sleeps until woken or until a fallback interval passes. A wake that arrives while nobody sleeps
 * is kept, so the next `sleep` returns at once: a notification is never lost between "nothing
 * to do" and "going to sleep". Used by the projection runner and the outbox relay.
 */
export class Waker {
  private pending = false;
  private resolve: (() => void) | undefined;
  private timer: NodeJS.Timeout | undefined;

  wake(): void {
    const resolve = this.resolve;
    if (!resolve) { this.pending = true; return; }
    this.finish();
    resolve();
  }

  /** Resolves on the next wake (or a pending one) or after `ms`, whichever comes first. */
  sleep(ms: number): Promise<void> {
    if (this.pending) { this.pending = false; return Promise.resolve(); }
    const earlier = this.resolve; // at most one sleeper: an earlier one returns now
    if (earlier) { this.finish(); earlier(); }
    return new Promise((resolve) => {
      this.resolve = resolve;
      this.timer = setTimeout(() => { this.finish(); resolve(); }, ms);
    });
  }

  private finish(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.resolve = undefined;
    this.pending = false;
  }
}
