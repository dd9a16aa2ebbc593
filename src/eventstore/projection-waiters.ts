import { HeraldError } from '../core/errors.js';

interface Waiter { target: Record<string, number>; resolve: () => void; reject: (error: Error) => void }

/** Callers of `caughtUp()`: each waits until the checkpoint reaches the head it saw. */
export class CatchUpWaiters {
  private readonly waiters = new Set<Waiter>();

  add(target: Record<string, number>, timeoutMs: number, what: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new HeraldError('HERALD_E_TIMEOUT', `${what} did not catch up within ${timeoutMs}ms`));
      }, timeoutMs);
      const waiter: Waiter = {
        target,
        resolve: () => { clearTimeout(timer); resolve(); },
        reject: (error) => { clearTimeout(timer); reject(error); },
      };
      this.waiters.add(waiter);
    });
  }

  /** Resolves every waiter whose target `position` reached. */
  settle(position: Record<string, number>): void {
    for (const w of this.waiters) {
      if (Object.entries(w.target).every(([key, head]) => (position[key] ?? 0) >= head)) { this.waiters.delete(w); w.resolve(); }
    }
  }

  rejectAll(error: Error): void {
    for (const w of this.waiters) w.reject(error);
    this.waiters.clear();
  }
}
