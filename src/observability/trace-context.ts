import { createTraceState, INVALID_SPANID, INVALID_TRACEID, type SpanContext } from '@opentelemetry/api';
import type { CloudEvent } from '../core/envelope.js';

/**
 * The CloudEvents distributed-tracing extension: an event carries the W3C Trace Context of its
 * creation in `traceparent` (and `tracestate`). The format is fixed by the extension, so it is
 * read and written here directly, whatever propagator the application registered.
 */
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** The creation context an event carries, or undefined when it has none (or an invalid one). */
export function creationContextOf(event: CloudEvent): SpanContext | undefined {
  const header = event.traceparent;
  if (typeof header !== 'string') return undefined;
  const match = TRACEPARENT.exec(header);
  if (!match || match[1] === 'ff') return undefined;
  const context: SpanContext = { traceId: match[2]!, spanId: match[3]!, traceFlags: parseInt(match[4]!, 16), isRemote: true };
  if (typeof event.tracestate === 'string' && event.tracestate.length > 0) context.traceState = createTraceState(event.tracestate);
  return hasIds(context) ? context : undefined;
}

/**
 * `isSpanContextValid` without its regular expressions, for contexts whose ids are hex of the
 * right length by construction (parsed above, or made by a tracer): only the all-zero ids are invalid.
 */
export function hasIds(context: SpanContext): boolean {
  return context.traceId !== INVALID_TRACEID && context.spanId !== INVALID_SPANID;
}

export function formatTraceparent(context: SpanContext): string {
  return `00-${context.traceId}-${context.spanId}-${(context.traceFlags & 0xff).toString(16).padStart(2, '0')}`;
}

/** A copy of `event` carrying `context` as its creation context (the event itself is never changed). */
export function withCreationContext<T>(event: CloudEvent<T>, context: SpanContext): CloudEvent<T> {
  const out: CloudEvent<T> = { ...event, traceparent: formatTraceparent(context) };
  const state = context.traceState?.serialize();
  if (state) out.tracestate = state;
  else delete out.tracestate;
  return out;
}

/** The correlation id of `event`'s flow: its `correlationid`, or its own id when it starts one. */
export function correlationOf(event: CloudEvent): string {
  return typeof event.correlationid === 'string' && event.correlationid.length > 0 ? event.correlationid : event.id;
}
