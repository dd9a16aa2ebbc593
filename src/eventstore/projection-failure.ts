import { toFailureInfo } from '../consumer/failure.js';
import { EventFailure } from './projection-batch.js';
import type { ProjectionFailure } from './projection-store.js';

/** What status and logs keep of an error: no stack, nothing but the message, name and code. */
export function errorSummary(error: unknown): { message: string; name?: string; code?: string } {
  const { message, name, code } = toFailureInfo(error);
  return { message, ...(name ? { name } : {}), ...(code ? { code } : {}) };
}

/** Counts failed attempts, consecutive ones per failing event, and keeps the last failure. */
export class FailureTracker {
  errors = 0;
  last: ProjectionFailure | undefined;
  private attempts = 0;
  private failingAt: string | undefined;

  /** Records a failed attempt; `cause` is the handler's own error when an event failed. */
  record(error: unknown, now: number): { cause: unknown; failure: ProjectionFailure } {
    const event = error instanceof EventFailure ? error.event : undefined;
    const cause = error instanceof EventFailure ? error.cause : error;
    const at = event ? `${event.key}#${event.position}` : 'source';
    this.attempts = at === this.failingAt ? this.attempts + 1 : 1;
    this.failingAt = at;
    this.errors++;
    const failure: ProjectionFailure = { ...errorSummary(cause), attempts: this.attempts, at: now };
    if (event) Object.assign(failure, { eventId: event.record.event.id, eventType: event.record.event.type, source: event.key, position: event.position });
    this.last = failure;
    return { cause, failure };
  }

  /** An attempt went through: the next failure starts counting again. */
  succeeded(): void {
    this.attempts = 0;
    this.failingAt = undefined;
  }

  /** A batch committed: the last failure is behind us. */
  committed(): void {
    this.last = undefined;
  }
}
