import type { Middleware } from '../consumer/types.js';
import { TIMESTAMP_EXTENSION, DEFAULT_TOLERANCE_SECONDS, KeyRing, stripUnsigned, type VerifyingKey } from './signing.js';
import { ReplayGuard, replayKey } from './replay-guard.js';

export interface VerifySignaturesOptions {
  keys: readonly VerifyingKey[] | KeyRing;
  /** Only these key ids may sign (default: any key given). */
  allowedKeys?: readonly string[];
  /** Seconds between signing and the log accepting the event (default 300). */
  toleranceSeconds?: number;
  /** Shared between subscriptions to catch a copy replayed onto another topic (default: one per middleware). */
  guard?: ReplayGuard;
}

/**
 * Consumer middleware: an event reaches the handler only if it carries a valid signature by an
 * allowed key, was accepted by the log within the tolerance of its signing time (a backlog
 * read hours later still verifies: the time that counts is `appendedAt`), and is not a copy of
 * an event (same `source` and `id`) already seen at another position. The handler gets the
 * event without attributes added after signing (`stripUnsigned`). A refusal is HERALD_E_BAD_SIGNATURE or
 * HERALD_E_REPLAYED, neither retryable: the event goes to the dead-letter topic at once.
 * Redeliveries of the same position are not replays.
 */
export function verifySignatures(options: VerifySignaturesOptions): Middleware {
  const ring = options.keys instanceof KeyRing ? options.keys : new KeyRing(options.keys);
  const tolerance = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  const guard = options.guard ?? new ReplayGuard();
  return (next) => async (event, ctx) => {
    const { topic, position, appendedAt } = ctx.delivery;
    ring.verify(event, { toleranceSeconds: tolerance, now: appendedAt, ...(options.allowedKeys ? { allowedKeys: options.allowedKeys } : {}) });
    const where = `${topic}#${position}`;
    const id = replayKey(event);
    guard.check(id, where, appendedAt, `${event.id} from ${event.source}`);
    guard.record(id, where, Number(event[TIMESTAMP_EXTENSION]) * 1000 + tolerance * 1000, appendedAt);
    return next(stripUnsigned(event), ctx);
  };
}
