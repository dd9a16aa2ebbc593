import {
  context as otelContext, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace,
  type Attributes, type Context, type Link, type Span, type SpanContext, type Tracer, type TracerProvider,
} from '@opentelemetry/api';
import type { CloudEvent } from '../core/envelope.js';
import type { AppendReceipt, Delivery } from '../log/types.js';
import type { AttemptOutcome } from '../consumer/types.js';
import * as sc from './semconv.js';
import { correlationOf, creationContextOf, hasIds, withCreationContext } from './trace-context.js';
import type { Append } from './types.js';

export interface TracingOptions {
  /** Where spans go (default: the global provider, i.e. whatever the application registered, or none). */
  tracerProvider?: TracerProvider;
  /**
   * How a handler's span relates to the publish that created the event. `parent` (default): it is
   * the creation context's child (one trace per flow) and also links to it; `link`: it starts a
   * trace of its own and only links to it (the semantic conventions' default for batches).
   */
  consumerSpans?: 'parent' | 'link';
}

const TRACER = 'herald';

/** One handling attempt's span and the context to run the handler in. */
export interface AttemptSpan {
  span: Span;
  context: Context;
}

/**
 * herald's spans, following the OpenTelemetry messaging semantic conventions: a PRODUCER
 * `publish <topic>` span per publish, whose context is the event's creation context (for a batch:
 * a `create <topic>` span per event, which the publish span links to), and a CONSUMER
 * `process <topic>` span per handling attempt. With no provider registered the API is a no-op:
 * no attribute is computed for a span that does not record.
 */
export class Tracing {
  private readonly tracer: Tracer;
  readonly consumerSpans: 'parent' | 'link';

  constructor(options: TracingOptions = {}) {
    this.tracer = (options.tracerProvider ?? trace.getTracerProvider()).getTracer(TRACER);
    this.consumerSpans = options.consumerSpans ?? 'parent';
  }

  /**
   * Publishes `events` under a producer span, child of `parent` (default: the active context).
   * An event that already carries a traceparent keeps it (a creation context the caller chose);
   * the others get the span's.
   */
  publish(topic: string, events: readonly CloudEvent[], append: Append, parent: Context = otelContext.active()): Promise<AppendReceipt[]> {
    if (events.length === 1) {
      const event = events[0]!;
      const chosen = creationContextOf(event);
      const span = this.tracer.startSpan(`publish ${topic}`, { kind: SpanKind.PRODUCER, ...(chosen ? { links: [{ context: chosen }] } : {}) }, parent);
      if (span.isRecording()) span.setAttributes(producerAttributes(topic, event, 'send'));
      const stamped = chosen ? event : stamp(event, span.spanContext());
      return this.finish(span, append([stamped]));
    }
    const creates = events.map((event) => {
      const chosen = creationContextOf(event);
      if (chosen) return { event, context: chosen };
      const span = this.tracer.startSpan(`create ${topic}`, { kind: SpanKind.PRODUCER }, parent);
      if (span.isRecording()) span.setAttributes(producerAttributes(topic, event, 'create'));
      span.end();
      return { event: stamp(event, span.spanContext()), context: span.spanContext() };
    });
    const links: Link[] = creates.filter((c) => hasIds(c.context)).map((c) => ({ context: c.context }));
    const span = this.tracer.startSpan(`publish ${topic}`, { kind: SpanKind.CLIENT, links }, parent);
    if (span.isRecording()) {
      span.setAttributes({
        [sc.MESSAGING_SYSTEM]: sc.SYSTEM, [sc.MESSAGING_OPERATION_TYPE]: 'send', [sc.MESSAGING_OPERATION_NAME]: 'publish',
        [sc.MESSAGING_DESTINATION]: topic, [sc.MESSAGING_BATCH_COUNT]: events.length,
      });
    }
    return this.finish(span, append(creates.map((c) => c.event)));
  }

  /** Starts the CONSUMER span of one handling attempt. */
  startAttempt(delivery: Delivery, handler: string | undefined): AttemptSpan {
    const event = delivery.event;
    const creation = creationContextOf(event);
    const links: Link[] = [];
    if (creation) links.push({ context: creation });
    // The runner's own context (whatever was active when it subscribed) is kept as a link, never as the parent.
    const ambient = trace.getSpanContext(otelContext.active());
    if (ambient && trace.isSpanContextValid(ambient)) links.push({ context: ambient });
    const parent = creation && this.consumerSpans === 'parent' ? trace.setSpanContext(ROOT_CONTEXT, creation) : ROOT_CONTEXT;
    const span = this.tracer.startSpan(`process ${delivery.topic}`, { kind: SpanKind.CONSUMER, links }, parent);
    if (span.isRecording()) span.setAttributes(consumerAttributes(delivery, handler));
    return { span, context: trace.setSpan(parent, span) };
  }

  /** Ends an attempt's span with its outcome; failures are recorded as exceptions and mark the span as an error. */
  endAttempt(span: Span, outcome: AttemptOutcome, error: unknown): void {
    if (span.isRecording()) {
      span.setAttribute(sc.HERALD_OUTCOME, outcome);
      if (outcome === 'retry' || outcome === 'dead-lettered') failed(span, error);
    }
    span.end();
  }

  private async finish(span: Span, appending: Promise<AppendReceipt[]>): Promise<AppendReceipt[]> {
    try {
      const receipts = await appending;
      const first = receipts[0];
      if (span.isRecording() && receipts.length === 1 && first) {
        span.setAttribute(sc.HERALD_POSITION, first.position);
        if (first.duplicate) span.setAttribute(sc.HERALD_DUPLICATE, true);
      }
      return receipts;
    } catch (error) {
      if (span.isRecording()) failed(span, error);
      throw error;
    } finally {
      span.end();
    }
  }
}

function stamp(event: CloudEvent, context: SpanContext): CloudEvent {
  return hasIds(context) ? withCreationContext(event, context) : event;
}

function correlationAttributes(event: CloudEvent): Attributes {
  const correlation = correlationOf(event);
  const attributes: Attributes = {
    [sc.MESSAGING_MESSAGE_ID]: event.id, [sc.MESSAGING_CONVERSATION_ID]: correlation, [sc.HERALD_CORRELATION_ID]: correlation,
    [sc.CLOUDEVENTS_TYPE]: event.type, [sc.CLOUDEVENTS_SOURCE]: event.source,
  };
  if (typeof event.causationid === 'string') attributes[sc.HERALD_CAUSATION_ID] = event.causationid;
  return attributes;
}

function producerAttributes(topic: string, event: CloudEvent, operation: 'send' | 'create'): Attributes {
  return {
    [sc.MESSAGING_SYSTEM]: sc.SYSTEM, [sc.MESSAGING_OPERATION_TYPE]: operation, [sc.MESSAGING_OPERATION_NAME]: operation === 'send' ? 'publish' : 'create',
    [sc.MESSAGING_DESTINATION]: topic, ...correlationAttributes(event),
  };
}

function consumerAttributes(d: Delivery, handler: string | undefined): Attributes {
  const attributes: Attributes = {
    [sc.MESSAGING_SYSTEM]: sc.SYSTEM, [sc.MESSAGING_OPERATION_TYPE]: 'process', [sc.MESSAGING_OPERATION_NAME]: 'process',
    [sc.MESSAGING_DESTINATION]: d.topic, [sc.MESSAGING_CONSUMER_GROUP]: d.group,
    [sc.HERALD_ATTEMPT]: d.attempt, [sc.HERALD_POSITION]: d.position, ...correlationAttributes(d.event),
  };
  if (handler !== undefined) attributes[sc.HERALD_HANDLER] = handler;
  return attributes;
}

function failed(span: Span, error: unknown): void {
  const e = error instanceof Error ? error : undefined;
  const code = e && 'code' in e && typeof e.code === 'string' ? e.code : undefined;
  const message = e?.message ?? (typeof error === 'object' && error !== null && 'message' in error ? String(error.message) : String(error));
  span.setAttribute(sc.ERROR_TYPE, code ?? e?.name ?? '_OTHER');
  if (e) span.recordException(e);
  span.setStatus({ code: SpanStatusCode.ERROR, message });
}
