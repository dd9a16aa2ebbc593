import { metrics as otelMetrics, type Attributes, type Counter as OtelCounter, type Histogram as OtelHistogram, type Meter, type MeterProvider } from '@opentelemetry/api';
import type { AttemptOutcome } from '../consumer/types.js';
import type { Counter, CounterSeries, Histogram, HistogramSeries } from './registry.js';
import { Registry } from './registry.js';
import * as sc from './semconv.js';

/** Histogram bucket upper bounds, in seconds. */
export interface Buckets {
  /** Appended → handler done. */
  latency: readonly number[];
  /** One handler attempt. */
  handler: readonly number[];
  /** One append (group commit) or fsync of the backend. */
  log: readonly number[];
}

export const DEFAULT_BUCKETS: Buckets = {
  latency: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
  handler: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  log: [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
};

export interface MetricsOptions {
  /** Also record through this OpenTelemetry MeterProvider (default: the global one; a no-op unless the application registered one). */
  meterProvider?: MeterProvider;
  buckets?: Partial<Buckets>;
}

interface OtelInstruments {
  published: OtelCounter; handled: OtelCounter; redeliveries: OtelCounter; deadLettered: OtelCounter;
  latency: OtelHistogram; handler: OtelHistogram; log: OtelHistogram;
}

/** The operations a backend may time (see `TimedLog`). */
export type LogOperation = 'append' | 'fsync' | 'checkpoint';

const OUTCOMES: readonly AttemptOutcome[] = ['ok', 'retry', 'dead-lettered', 'stale'];

/**
 * The counters and histograms herald records as events flow, kept in a Prometheus registry and
 * mirrored to OpenTelemetry instruments. Gauges (lag, DLQ depth, sizes) are read from the log
 * when scraped: see log-metrics.ts.
 */
export class HeraldMetrics {
  readonly registry = new Registry();
  readonly meter: Meter;
  private readonly prom: {
    published: Counter; handled: Counter; redeliveries: Counter; staleAcks: Counter; deadLettered: Counter;
    latency: Histogram; handler: Histogram; log: Histogram;
  };
  private readonly otel: OtelInstruments;

  constructor(options: MetricsOptions = {}) {
    const buckets = { ...DEFAULT_BUCKETS, ...options.buckets };
    const r = this.registry;
    const tg = ['topic', 'group'];
    this.prom = {
      published: r.counter('herald_events_published_total', 'Events published, per topic.', ['topic']),
      handled: r.counter('herald_events_handled_total', 'Handling attempts, per topic, consumer group and outcome (ok, retry, dead-lettered, stale).', [...tg, 'outcome']),
      redeliveries: r.counter('herald_redeliveries_total', 'Deliveries of an event after its first (attempt > 1).', tg),
      staleAcks: r.counter('herald_stale_acks_total', 'Acks of handled events that came after the lease was lost: the event is delivered again.', tg),
      deadLettered: r.counter('herald_dead_lettered_total', 'Events moved to a dead-letter topic.', tg),
      latency: r.histogram('herald_end_to_end_latency_seconds', 'From the event\'s append to the end of its successful handling.', tg, buckets.latency),
      handler: r.histogram('herald_handler_duration_seconds', 'Duration of one handler attempt.', tg, buckets.handler),
      log: r.histogram('herald_log_operation_seconds', 'Duration of the backend\'s appends (one commit) and fsyncs.', ['operation'], buckets.log),
    };
    this.meter = (options.meterProvider ?? otelMetrics.getMeterProvider()).getMeter('herald');
    const m = this.meter;
    const seconds = (boundaries: readonly number[]) => ({ unit: 's', advice: { explicitBucketBoundaries: [...boundaries] } });
    this.otel = {
      published: m.createCounter('herald.events.published', { description: 'Events published.', unit: '{event}' }),
      handled: m.createCounter('herald.events.handled', { description: 'Handling attempts, by outcome.', unit: '{attempt}' }),
      redeliveries: m.createCounter('herald.redeliveries', { description: 'Deliveries after the first.', unit: '{delivery}' }),
      deadLettered: m.createCounter('herald.dead_lettered', { description: 'Events moved to a dead-letter topic.', unit: '{event}' }),
      latency: m.createHistogram('herald.end_to_end.latency', { description: 'Append to end of successful handling.', ...seconds(buckets.latency) }),
      handler: m.createHistogram('messaging.process.duration', { description: 'Duration of one handler attempt.', ...seconds(buckets.handler) }),
      log: m.createHistogram('herald.log.operation.duration', { description: 'Backend appends and fsyncs.', ...seconds(buckets.log) }),
    };
  }

  /** Counts `count` events published to `topic`. */
  published(topic: string, count: number): void {
    this.prom.published.labels(topic).inc(count);
    this.otel.published.add(count, { [sc.MESSAGING_SYSTEM]: sc.SYSTEM, [sc.MESSAGING_DESTINATION]: topic });
  }

  /** The series of one consumer group on one topic, bound once per subscription. */
  consumer(topic: string, group: string): ConsumerSeries {
    return new ConsumerSeries(this, topic, group);
  }

  logOperation(operation: LogOperation, seconds: number): void {
    this.prom.log.labels(operation).observe(seconds);
    this.otel.log.record(seconds, { [sc.MESSAGING_SYSTEM]: sc.SYSTEM, [sc.HERALD_LOG_OPERATION]: operation });
  }

  /** @internal */
  bind(topic: string, group: string): Bound {
    const attributes: Attributes = { [sc.MESSAGING_SYSTEM]: sc.SYSTEM, [sc.MESSAGING_DESTINATION]: topic, [sc.MESSAGING_CONSUMER_GROUP]: group };
    const outcomeAttributes = new Map(OUTCOMES.map((o) => [o, { ...attributes, [sc.HERALD_OUTCOME]: o }]));
    return {
      handled: new Map(OUTCOMES.map((o) => [o, this.prom.handled.labels(topic, group, o)])),
      redeliveries: this.prom.redeliveries.labels(topic, group),
      staleAcks: this.prom.staleAcks.labels(topic, group),
      deadLettered: this.prom.deadLettered.labels(topic, group),
      latency: this.prom.latency.labels(topic, group),
      handler: this.prom.handler.labels(topic, group),
      otel: this.otel, attributes, outcomeAttributes,
    };
  }
}

interface Bound {
  handled: Map<AttemptOutcome, CounterSeries>;
  redeliveries: CounterSeries;
  deadLettered: CounterSeries;
  latency: HistogramSeries;
  handler: HistogramSeries;
  staleAcks: CounterSeries;
  otel: OtelInstruments;
  attributes: Attributes;
  outcomeAttributes: Map<AttemptOutcome, Attributes>;
}

export class ConsumerSeries {
  private readonly b: Bound;

  constructor(metrics: HeraldMetrics, topic: string, group: string) {
    this.b = metrics.bind(topic, group);
  }

  delivered(attempt: number): void {
    if (attempt > 1) {
      this.b.redeliveries.inc();
      this.b.otel.redeliveries.add(1, this.b.attributes);
    }
  }

  staleAck(): void {
    this.b.staleAcks.inc();
  }

  /** One attempt ended: `handlerSeconds` when the handler ran, `latencySeconds` (append → done) when it succeeded. */
  ended(outcome: AttemptOutcome, handlerSeconds: number | undefined, latencySeconds: number | undefined): void {
    const b = this.b;
    b.handled.get(outcome)!.inc();
    b.otel.handled.add(1, b.outcomeAttributes.get(outcome));
    if (handlerSeconds !== undefined) {
      b.handler.observe(handlerSeconds);
      b.otel.handler.record(handlerSeconds, b.attributes);
    }
    if (latencySeconds !== undefined) {
      b.latency.observe(latencySeconds);
      b.otel.latency.record(latencySeconds, b.attributes);
    }
    if (outcome === 'dead-lettered') {
      b.deadLettered.inc();
      b.otel.deadLettered.add(1, b.attributes);
    }
  }
}
