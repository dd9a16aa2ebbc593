import { context as otelContext, type Context, type Span } from '@opentelemetry/api';
import type { AttemptOutcome, ObservedAttempt, SubscriptionObserver } from '../consumer/types.js';
import type { Delivery } from '../log/types.js';
import type { ConsumerSeries } from './herald-metrics.js';
import { errorSummary, type OutcomeRecord, type OutcomeWriter } from './outcomes.js';
import type { Tracing } from './tracing.js';

export interface ObserverParts {
  tracing?: Tracing | undefined;
  series?: ConsumerSeries | undefined;
  outcomes?: OutcomeWriter | undefined;
  /** The subscription's name (`SubscribeOptions.name`), recorded as the handler. */
  handler?: string | undefined;
}

/**
 * One subscription's observer: a span, metrics and an outcome record per attempt. It also knows
 * the span of each attempt running now, so what a handler publishes becomes that span's child
 * even when the application registered no context manager.
 */
export class HeraldObserver implements SubscriptionObserver {
  /** @internal position → context of the attempt running now */
  readonly running = new Map<number, Context>();

  constructor(readonly parts: ObserverParts) {}

  attempt(delivery: Delivery): ObservedAttempt {
    return new Attempt(this, delivery);
  }

  staleAck(): void {
    this.parts.series?.staleAck();
  }

  /** The trace context of the attempt now handling `position` (the parent of what its handler publishes). */
  contextOf(position: number): Context | undefined {
    return this.running.get(position);
  }
}

class Attempt implements ObservedAttempt {
  private readonly startedAt = Date.now();
  private readonly started = performance.now();
  private handlerStarted: number | undefined;
  private readonly span: Span | undefined;
  private readonly context: Context | undefined;

  constructor(private readonly observer: HeraldObserver, private readonly delivery: Delivery) {
    const { tracing, series, handler } = observer.parts;
    series?.delivered(delivery.attempt);
    if (tracing) {
      const started = tracing.startAttempt(delivery, handler);
      this.span = started.span;
      this.context = started.context;
      observer.running.set(delivery.position, started.context);
    }
  }

  /** Not async: no promise of its own on the hot path. The runner calls `end` as soon as the handler is done. */
  run<R>(work: () => Promise<R>): Promise<R> {
    this.handlerStarted = performance.now();
    return this.context ? otelContext.with(this.context, work) : work();
  }

  end(outcome: AttemptOutcome, error?: unknown): void {
    const { tracing, series, outcomes, handler } = this.observer.parts;
    const d = this.delivery;
    const now = performance.now();
    // For a dead-lettered attempt this includes the dead-letter append, which comes before `end`.
    const handlerSeconds = this.handlerStarted === undefined ? undefined : (now - this.handlerStarted) / 1000;
    if (this.span) {
      this.observer.running.delete(d.position);
      tracing!.endAttempt(this.span, outcome, error);
    }
    series?.ended(outcome, handlerSeconds, outcome === 'ok' ? Math.max(0, Date.now() - d.appendedAt) / 1000 : undefined);
    if (outcomes && d.topic !== outcomes.topic) {
      const record: OutcomeRecord = {
        topic: d.topic, group: d.group, eventId: d.event.id, eventType: d.event.type, position: d.position, attempt: d.attempt,
        outcome, startedAt: this.startedAt, durationMs: Math.round((now - this.started) * 1000) / 1000,
      };
      if (handler !== undefined) record.handler = handler;
      const summary = errorSummary(error);
      if (summary) record.error = summary;
      outcomes.record(d.event, record);
    }
  }
}
