import type { CloudEvent } from '../../core/envelope.js';
import type { HandlerContext, Middleware } from '../types.js';

/** The subset of pino's (or console's) API herald logs through. */
export interface Logger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface LoggingOptions {
  /** Also log the event's data. Off by default: data may hold secrets or personal data. */
  data?: boolean;
  /**
   * What to log of an event's data, e.g. `redactSensitive` (herald's security layer) to hide PII
   * fields. The values it hides are also hidden from a failed handler's error message.
   */
  redact?: (event: CloudEvent) => CloudEvent;
}

/** The strings (4+ characters) of `original` that `redacted` replaced: what an error message must not show. */
function hiddenStrings(original: unknown, redacted: unknown, out: Set<string> = new Set()): Set<string> {
  if (original === redacted) return out;
  if (typeof original === 'string' || typeof original === 'number') {
    if (String(original).length >= 4) out.add(String(original));
  } else if (typeof original === 'object' && original !== null) {
    const other = (typeof redacted === 'object' && redacted !== null ? redacted : {}) as Record<string, unknown>;
    for (const [key, value] of Object.entries(original)) hiddenStrings(value, other[key], out);
  }
  return out;
}

/**
 * The fields of a log line about handling `event`: where it came from, which attempt, and the
 * ids that tie it to its flow (correlation, causation, the trace of its `traceparent`).
 */
export function eventLogFields(event: CloudEvent, ctx: HandlerContext): Record<string, unknown> {
  const d = ctx.delivery;
  const fields: Record<string, unknown> = {
    topic: d.topic, group: d.group, position: d.position, attempt: d.attempt, eventId: event.id, type: event.type,
    correlationId: typeof event.correlationid === 'string' ? event.correlationid : event.id,
  };
  if (typeof event.causationid === 'string') fields.causationId = event.causationid;
  if (typeof event.traceparent === 'string' && event.traceparent.length === 55) fields.traceId = event.traceparent.slice(3, 35);
  return fields;
}

/** Logs each attempt's outcome with its duration, as structured fields; never the event's data unless asked. */
export function logging(logger: Logger, options: LoggingOptions = {}): Middleware {
  return (next) => async (event, ctx) => {
    const started = performance.now();
    const fields = eventLogFields(event, ctx);
    if (options.data === true && event.data !== undefined) fields.data = options.redact ? options.redact(event).data : event.data;
    try {
      await next(event, ctx);
      logger.info({ ...fields, ms: Math.round((performance.now() - started) * 100) / 100 }, 'handled');
    } catch (error) {
      let message = error instanceof Error ? error.message : String(error);
      if (options.redact) for (const hidden of hiddenStrings(event.data, options.redact(event).data)) message = message.split(hidden).join('[redacted]');
      const code = error instanceof Error && 'code' in error && typeof error.code === 'string' ? { code: error.code } : {};
      logger.warn({ ...fields, ms: Math.round((performance.now() - started) * 100) / 100, error: message, ...code }, 'handler failed');
      throw error;
    }
  };
}
