import { assertValidEnvelope, type CloudEvent } from '../core/envelope.js';
import { HeraldError } from '../core/errors.js';

/** The error for event `index` of an append: the message and details name the index. */
export function atIndex(error: unknown, index: number): unknown {
  if (error instanceof HeraldError) {
    return new HeraldError(error.code, `event ${index}: ${error.message}`, { details: { ...error.details, index } });
  }
  return error;
}

/** Validates event `index` of an append as every append does. */
export function assertEventAt(event: unknown, index: number): asserts event is CloudEvent {
  try {
    assertValidEnvelope(event);
  } catch (error) {
    throw atIndex(error, index);
  }
}
