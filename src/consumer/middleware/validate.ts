import type { EventContract } from '../../core/contract.js';
import { HeraldError } from '../../core/errors.js';
import type { Middleware } from '../types.js';

/**
 * Decodes each event with its contract (upcasting older versions) before the handler sees it.
 * An invalid event fails permanently (HERALD_E_INVALID_EVENT is not retryable): it goes to the
 * dead-letter topic at once instead of being retried.
 */
export function validate(contracts: readonly EventContract<unknown>[], options: { unknownTypes?: 'reject' | 'pass' } = {}): Middleware {
  const byType = new Map(contracts.map((c) => [c.type, c]));
  return (next) => async (event, ctx) => {
    const contract = byType.get(event.type);
    if (!contract) {
      if (options.unknownTypes === 'pass') return next(event, ctx);
      throw new HeraldError('HERALD_E_INVALID_EVENT', `no contract for event type ${event.type}`, { details: { path: 'type' } });
    }
    return next(await contract.decode(event), ctx);
  };
}
