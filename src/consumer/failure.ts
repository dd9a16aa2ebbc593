import { isHeraldError } from '../core/errors.js';
import type { FailureInfo } from '../log/types.js';

const MAX_STACK = 4_000;

/** What is kept of an error in a dead letter or a retry record. */
export function toFailureInfo(error: unknown): FailureInfo {
  if (error instanceof Error) {
    const info: FailureInfo = { message: error.message, name: error.name };
    if (isHeraldError(error)) info.code = error.code;
    if (error.stack) info.stack = error.stack.slice(0, MAX_STACK);
    return info;
  }
  return { message: String(error) };
}

/** A handler failure that retrying cannot fix: a HeraldError marked not retryable (NonRetryableError, invalid event...). */
export function isPermanent(error: unknown): boolean {
  return isHeraldError(error) && !error.retryable;
}
