import { toMillis, type Duration } from '../../core/duration.js';
import { HeraldError } from '../../core/errors.js';
import { linkedSignal } from '../../core/linked-signal.js';
import type { Middleware } from '../types.js';

/** Fails an attempt that runs longer than `limit` (retryable) and aborts `ctx.signal` for the handler. */
export function timeout(limit: Duration): Middleware {
  const ms = toMillis(limit, 'timeout');
  return (next) => async (event, ctx) => {
    const linked = linkedSignal(ctx.signal); // released below: the subscription's signal lives long
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const error = new HeraldError('HERALD_E_TIMEOUT', `handler took longer than ${ms} ms`, { details: { limitMs: ms } });
        linked.abort(error);
        reject(error);
      }, ms);
    });
    try {
      await Promise.race([Promise.resolve(next(event, { ...ctx, signal: linked.signal })), expired]);
    } finally {
      clearTimeout(timer);
      linked.dispose();
    }
  };
}
