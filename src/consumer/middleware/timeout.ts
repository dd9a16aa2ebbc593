import { toMillis, type Duration } from '../../core/duration.js';
import { HeraldError } from '../../core/errors.js';
import type { Middleware } from '../types.js';

/** Fails an attempt that runs longer than `limit` (retryable) and aborts `ctx.signal` for the handler. */
export function timeout(limit: Duration): Middleware {
  const ms = toMillis(limit, 'timeout');
  return (next) => async (event, ctx) => {
    const controller = new AbortController();
    const signal = AbortSignal.any([ctx.signal, controller.signal]);
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const error = new HeraldError('HERALD_E_TIMEOUT', `handler took longer than ${ms} ms`, { details: { limitMs: ms } });
        controller.abort(error);
        reject(error);
      }, ms);
    });
    try {
      await Promise.race([Promise.resolve(next(event, { ...ctx, signal })), expired]);
    } finally {
      clearTimeout(timer);
    }
  };
}
