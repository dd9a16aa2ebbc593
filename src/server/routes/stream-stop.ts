import { linkedSignal } from '../../core/linked-signal.js';

/**
 * A request's stop signal: aborted by `stop()` or when the server starts shutting down. Call
 * `stop()` when the request ends, whatever ends it, so nothing stays registered on `closing`.
 */
export function stopSignal(closing: AbortSignal): { signal: AbortSignal; stop: () => void } {
  const linked = linkedSignal(closing);
  return { signal: linked.signal, stop: () => { linked.abort(); } };
}
