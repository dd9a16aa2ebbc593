import type { Middleware } from '../types.js';

/** The subset of pino's (or console's) API herald logs through. */
export interface Logger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** Logs each attempt's outcome with its duration; never logs event data (it may hold secrets or PII). */
export function logging(logger: Logger): Middleware {
  return (next) => async (event, ctx) => {
    const started = performance.now();
    const fields = { topic: ctx.delivery.topic, group: ctx.delivery.group, position: ctx.delivery.position, id: event.id, type: event.type, attempt: ctx.delivery.attempt };
    try {
      await next(event, ctx);
      logger.info({ ...fields, ms: Math.round((performance.now() - started) * 100) / 100 }, 'handled');
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      logger.warn({ ...fields, ms: Math.round((performance.now() - started) * 100) / 100, error: message }, 'handler failed');
      throw error;
    }
  };
}
