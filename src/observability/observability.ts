import type { Attributes, Context, ObservableGauge } from '@opentelemetry/api';
import { invalidArgument } from '../core/errors.js';
import { assertGroup, assertTopic } from '../log/names.js';
import type { EventLog } from '../log/types.js';
import { renderExposition, type MetricFamily } from './exposition.js';
import { HeraldMetrics, type MetricsOptions } from './herald-metrics.js';
import { collectLogMetrics, isTimedLog } from './log-metrics.js';
import { collectStallMetrics, isStalled } from './stall-metrics.js';
import { HeraldObserver } from './observer.js';
import { OUTCOMES_TOPIC, OutcomeWriter } from './outcomes.js';
import * as sc from './semconv.js';
import { Tracing, type TracingOptions } from './tracing.js';
import type { Append, PublishHook } from './types.js';

export interface ObservabilityOptions {
  /** Spans for publishes and handlings (default on; recorded only when a tracer provider is registered or given). */
  tracing?: boolean | TracingOptions;
  /** Counters and histograms, for `prometheus()` and any OpenTelemetry MeterProvider (default on). */
  metrics?: boolean | MetricsOptions;
  /**
   * Record each handler attempt as an event in `herald.outcomes` (or `topic`), so a flow's
   * lineage shows what every group did (default off: one more append per attempt, batched).
   */
  outcomes?: boolean | { topic?: string };
  /** Told when an outcome record could not be written (default: one process warning). */
  onError?: (error: unknown) => void;
}

const option = <T extends object>(value: boolean | T | undefined, byDefault: boolean): T | undefined =>
  (value === undefined ? byDefault : value !== false) ? (typeof value === 'object' ? value : ({} as T)) : undefined;

/**
 * herald's instrumentation: OpenTelemetry spans, metrics for Prometheus and OpenTelemetry, and
 * optional outcome records for lineage. One instance may serve several logs; each Herald
 * instruments its own log through `instrument`.
 */
export class Observability {
  readonly tracing: Tracing | undefined;
  readonly metrics: HeraldMetrics | undefined;
  readonly outcomesTopic: string | undefined;
  /** The instrumented logs, with how many Heralds instrument each. */
  private readonly logs = new Map<EventLog, number>();
  private readonly writers = new Set<OutcomeWriter>();
  private readonly onError: (error: unknown) => void;

  constructor(options: ObservabilityOptions = {}) {
    const tracing = option(options.tracing, true);
    const metrics = option(options.metrics, true);
    const outcomes = option(options.outcomes, false);
    this.tracing = tracing ? new Tracing(tracing) : undefined;
    this.metrics = metrics ? new HeraldMetrics(metrics) : undefined;
    if (outcomes?.topic !== undefined) assertTopic(outcomes.topic);
    this.outcomesTopic = outcomes ? (outcomes.topic ?? OUTCOMES_TOPIC) : undefined;
    let warned = false;
    this.onError = options.onError ?? ((error) => {
      if (warned) return;
      warned = true;
      process.emitWarning(`herald: handler outcomes could not be recorded: ${error instanceof Error ? error.message : String(error)}`);
    });
    if (this.metrics) this.observeGauges();
  }

  /** Hooks one log: the publish hook, an observer per subscription, outcome records and the backend's timings. */
  instrument(log: EventLog): Instrumentation {
    this.logs.set(log, (this.logs.get(log) ?? 0) + 1);
    const metrics = this.metrics;
    const untime = metrics && isTimedLog(log) ? log.onTiming((operation, seconds) => metrics.logOperation(operation, seconds)) : undefined;
    const outcomes = this.outcomesTopic === undefined ? undefined : new OutcomeWriter(log, this.outcomesTopic, this.onError);
    if (outcomes) this.writers.add(outcomes);
    return new Instrumentation(this, outcomes, async () => {
      untime?.();
      const left = (this.logs.get(log) ?? 1) - 1;
      if (left > 0) this.logs.set(log, left);
      else this.logs.delete(log);
      if (outcomes) this.writers.delete(outcomes);
      await outcomes?.flush();
    });
  }

  /** Writes the outcome records still buffered (they are written once per tick anyway). */
  async flush(): Promise<void> {
    await Promise.all([...this.writers].map((w) => w.flush()));
  }

  /** Every metric: the counters and histograms, and the gauges of each instrumented log, read now. */
  async collect(): Promise<MetricFamily[]> {
    const gauges = await Promise.all([...this.logs.keys()].map((log) => (isStalled(log) ? Promise.resolve([]) : collectLogMetrics(log))));
    return [...(this.metrics?.registry.collect() ?? []), ...gauges.flat(), ...collectStallMetrics(this.logs.keys())];
  }

  /** The Prometheus text exposition of `collect()`. */
  async prometheus(): Promise<string> {
    return renderExposition(await this.collect());
  }

  /** The scrape-time gauges through OpenTelemetry too (a no-op without a MeterProvider). */
  private observeGauges(): void {
    const meter = this.metrics!.meter;
    const gauges = new Map<string, ObservableGauge>();
    const gauge = (prometheus: string, otel: string, unit: string, description: string): void => {
      gauges.set(prometheus, meter.createObservableGauge(otel, { unit, description }));
    };
    gauge('herald_topic_events', 'herald.topic.events', '{event}', 'Events stored in the topic.');
    gauge('herald_topic_head_position', 'herald.topic.head', '{position}', 'Last position written to the topic.');
    gauge('herald_dead_letter_depth_events', 'herald.dead_letter.depth', '{event}', 'Events in a dead-letter topic.');
    gauge('herald_consumer_cursor_position', 'herald.consumer.cursor', '{position}', 'Next position the group has not taken.');
    gauge('herald_consumer_pending_events', 'herald.consumer.pending', '{event}', 'Events taken but not acked.');
    gauge('herald_consumer_lag_events', 'herald.consumer.lag', '{event}', 'Events the group has not acknowledged.');
    gauge('herald_consumer_oldest_unacked_age_seconds', 'herald.consumer.oldest_unacked.age', 's', 'Age of the oldest unacknowledged event.');
    meter.addBatchObservableCallback(async (result) => {
      for (const log of this.logs.keys()) {
        for (const family of await collectLogMetrics(log)) {
          const target = gauges.get(family.name);
          if (target) for (const s of family.samples) result.observe(target, s.value, otelAttributes(s.labels));
        }
      }
    }, [...gauges.values()]);
  }
}

const ATTRIBUTE_OF: Record<string, string> = { topic: sc.MESSAGING_DESTINATION, group: sc.MESSAGING_CONSUMER_GROUP };

function otelAttributes(labels: readonly (readonly [string, string])[]): Attributes {
  const attributes: Attributes = { [sc.MESSAGING_SYSTEM]: sc.SYSTEM };
  for (const [k, v] of labels) attributes[ATTRIBUTE_OF[k] ?? `messaging.herald.${k}`] = v;
  return attributes;
}

/** One log's instrumentation (what a Herald holds). */
export class Instrumentation {
  /** The hook for publishes made outside handlers; undefined when neither tracing nor metrics is on. */
  readonly publish: PublishHook | undefined;
  private closing: Promise<void> | undefined;

  constructor(
    readonly observability: Observability,
    private readonly outcomes: OutcomeWriter | undefined,
    private readonly release: () => Promise<void>,
  ) {
    this.publish = this.hook(undefined);
  }

  /** Spans are made for publishes: follow-ups get their trace context from the publish span, not from their cause. */
  get tracesPublishes(): boolean {
    return this.observability.tracing !== undefined;
  }

  /** The observer of one subscription. */
  observer(topic: string, group: string, handler?: string): HeraldObserver {
    assertTopic(topic);
    assertGroup(group);
    if (handler !== undefined && typeof handler !== 'string') throw invalidArgument('name must be a string', { field: 'name' });
    const { tracing, metrics } = this.observability;
    return new HeraldObserver({ tracing, series: metrics?.consumer(topic, group), outcomes: this.outcomes, handler });
  }

  /** The hook for what a handler publishes: its spans are children of the attempt's span. */
  publishFrom(observer: HeraldObserver, position: number): PublishHook | undefined {
    return this.observability.tracing ? this.hook(observer.contextOf(position)) : this.publish;
  }

  /** Writes the pending outcome records and lets go of the log (once). */
  close(): Promise<void> {
    return (this.closing ??= this.release());
  }

  private hook(parent: Context | undefined): PublishHook | undefined {
    const { tracing, metrics } = this.observability;
    if (!tracing && !metrics) return undefined;
    return (topic, events, append) => {
      const counted: Append = metrics ? (stamped) => append(stamped).then((receipts) => {
        let written = 0;
        for (const r of receipts) if (!r.duplicate) written++;
        metrics.published(topic, written);
        return receipts;
      }) : append;
      return tracing ? tracing.publish(topic, events, counted, parent) : counted([...events]);
    };
  }
}

/** `true`, options, or a ready instance (to share one between several Heralds). */
export function toObservability(value: boolean | ObservabilityOptions | Observability | undefined): Observability | undefined {
  if (value === undefined || value === false) return undefined;
  if (value instanceof Observability) return value;
  if (value === true) return new Observability();
  if (typeof value !== 'object' || value === null) throw invalidArgument('observability must be true, options or an Observability', { field: 'observability' });
  return new Observability(value);
}
