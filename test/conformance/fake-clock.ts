import type { Clock } from '../../src/core/clock.js';

/**
 * A clock that moves only when told to. Give the same instance to the backend
 * (`new MemoryLog({ clock })`) and to the conformance target, so lease expiries, retry delays
 * and retention by age are tested without sleeping.
 */
export class FakeClock implements Clock {
  private current: number;

  /** Starts at `start` (ms since epoch; default 2026-01-01T00:00:00Z). */
  constructor(start: number = Date.UTC(2026, 0, 1)) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  /** Moves time forward by `ms` (never backwards: a log's append times must not decrease). */
  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`FakeClock.advance: ms must be a finite number >= 0, got ${ms}`);
    this.current += ms;
  }
}
