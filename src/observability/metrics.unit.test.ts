import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AggregationTemporality, MeterProvider, MetricReader, type DataPoint, type MetricData } from '@opentelemetry/sdk-metrics';
import type { CloudEvent } from '../core/envelope.js';
import { NonRetryableError } from '../core/errors.js';
import { Herald } from '../herald.js';
import { MemoryLog } from '../log/memory/index.js';
import type { AppendReceipt } from '../log/types.js';
import { renderExposition } from './exposition.js';
import { collectLogMetrics, type TimingListener } from './log-metrics.js';
import { Observability } from './observability.js';
import { parsePrometheusText, valueOf, type ParsedFamily } from './test-prometheus.js';
import { FAST, until } from './test-support.js';

/** The memory log, reporting its appends' durations as the sqlite backend does (TimedLog). */
class TimedMemoryLog extends MemoryLog {
  private readonly listeners = new Set<TimingListener>();

  onTiming(listener: TimingListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  override async append(topic: string, events: readonly CloudEvent[]): Promise<AppendReceipt[]> {
    const started = performance.now();
    const receipts = await super.append(topic, events);
    for (const l of this.listeners) l('append', (performance.now() - started) / 1000);
    return receipts;
  }
}

class TestReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }

  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

/** Publishes 5 orders handled by `billing`: one fails once (retried), one cannot be handled (dead-lettered). */
async function scenario(h: Herald): Promise<void> {
  let flaky = true;
  let attempts = 0;
  h.subscribe<{ kind: string }>('orders', { ...FAST, group: 'billing' }, (event) => {
    attempts++;
    if (event.data!.kind === 'poison') throw new NonRetryableError('cannot bill this');
    if (event.data!.kind === 'flaky' && flaky) { flaky = false; throw new Error('try again'); }
  });
  for (const kind of ['a', 'flaky', 'b', 'poison', 'c']) await h.publish('orders', { type: 'order.placed', data: { kind } });
  await until(async () => attempts === 6 && (await h.log.groups('orders')).find((g) => g.group === 'billing')?.lag === 0, 'billing to finish');
}

async function scrape(h: Herald): Promise<Map<string, ParsedFamily>> {
  return parsePrometheusText(await h.observability!.prometheus());
}

describe('metrics: Prometheus text and OpenTelemetry', () => {
  it('counts publishes, attempts by outcome, redeliveries and dead letters; histograms are cumulative; gauges match the log', async () => {
    const log = new TimedMemoryLog();
    const h = new Herald(log, 'urn:test', new Observability({ tracing: false }));
    try {
      const before = await scrape(h);
      assert.equal(valueOf(before, 'herald_events_published_total', 'herald_events_published_total', { topic: 'orders' }), undefined);
      await scenario(h);
      await log.fetch('orders', 'audit', { max: 2, leaseMs: 60_000 }); // a group that holds two events and acks nothing
      const m = await scrape(h);
      const tg = { topic: 'orders', group: 'billing' };
      assert.equal(valueOf(m, 'herald_events_published_total', 'herald_events_published_total', { topic: 'orders' }), 5);
      assert.equal(valueOf(m, 'herald_events_handled_total', 'herald_events_handled_total', { ...tg, outcome: 'ok' }), 4);
      assert.equal(valueOf(m, 'herald_events_handled_total', 'herald_events_handled_total', { ...tg, outcome: 'retry' }), 1);
      assert.equal(valueOf(m, 'herald_events_handled_total', 'herald_events_handled_total', { ...tg, outcome: 'dead-lettered' }), 1);
      assert.equal(valueOf(m, 'herald_redeliveries_total', 'herald_redeliveries_total', tg), 1);
      assert.equal(valueOf(m, 'herald_dead_lettered_total', 'herald_dead_lettered_total', tg), 1);
      assert.equal(valueOf(m, 'herald_handler_duration_seconds', 'herald_handler_duration_seconds_count', tg), 6, 'every attempt ran the handler');
      assert.equal(valueOf(m, 'herald_end_to_end_latency_seconds', 'herald_end_to_end_latency_seconds_count', tg), 4, 'latency of the handled ones');
      assert.equal(valueOf(m, 'herald_end_to_end_latency_seconds', 'herald_end_to_end_latency_seconds_bucket', { ...tg, le: '+Inf' }), 4);
      assert.equal(m.get('herald_end_to_end_latency_seconds')!.type, 'histogram');
      assert.ok(valueOf(m, 'herald_log_operation_seconds', 'herald_log_operation_seconds_count', { operation: 'append' })! >= 6, 'the backend\'s appends are timed');

      for (const g of await log.groups()) {
        const labels = { topic: g.topic, group: g.group };
        assert.equal(valueOf(m, 'herald_consumer_lag_events', 'herald_consumer_lag_events', labels), g.lag, `lag of ${g.group}`);
        assert.equal(valueOf(m, 'herald_consumer_pending_events', 'herald_consumer_pending_events', labels), g.pending);
        assert.equal(valueOf(m, 'herald_consumer_cursor_position', 'herald_consumer_cursor_position', labels), g.cursor);
      }
      assert.equal(valueOf(m, 'herald_consumer_lag_events', 'herald_consumer_lag_events', { topic: 'orders', group: 'audit' }), 5);
      assert.equal(valueOf(m, 'herald_consumer_oldest_unacked_age_seconds', 'herald_consumer_oldest_unacked_age_seconds', tg), 0, 'billing has acked everything');
      assert.equal(valueOf(m, 'herald_dead_letter_depth_events', 'herald_dead_letter_depth_events', tg), 1);
      assert.equal(valueOf(m, 'herald_topic_events', 'herald_topic_events', { topic: 'orders' }), 5);
      assert.equal(valueOf(m, 'herald_topic_head_position', 'herald_topic_head_position', { topic: 'orders.dlq.billing' }), 1);

      await h.publish('orders', { type: 'order.placed', data: { kind: 'd' } });
      await until(async () => (await h.log.groups('orders')).find((g) => g.group === 'billing')?.lag === 0, 'the sixth order');
      const after = await scrape(h);
      assert.equal(valueOf(after, 'herald_events_published_total', 'herald_events_published_total', { topic: 'orders' }), 6, 'the counter moved');
      assert.equal(valueOf(after, 'herald_events_handled_total', 'herald_events_handled_total', { ...tg, outcome: 'ok' }), 5);
      assert.equal(valueOf(after, 'herald_consumer_lag_events', 'herald_consumer_lag_events', { topic: 'orders', group: 'audit' }), 6);
    } finally {
      await h.close();
    }
  });

  it('the oldest unacked age is read from the event at the group\'s oldest unacked position', async () => {
    const log = new MemoryLog();
    try {
      await log.append('t', [{ specversion: '1.0', id: 'e1', source: 's', type: 'x' }]);
      const [first] = await log.append('t', [{ specversion: '1.0', id: 'e2', source: 's', type: 'x' }]);
      await log.append('t', [{ specversion: '1.0', id: 'e3', source: 's', type: 'x' }]);
      const [d1] = await log.fetch('t', 'g', { max: 1, leaseMs: 60_000 });
      await log.settle('t', 'g', [{ kind: 'ack', position: d1!.position, leaseId: d1!.leaseId }]);
      const now = first!.appendedAt + 7_500;
      const families = await collectLogMetrics(log, now);
      const age = families.find((f) => f.name === 'herald_consumer_oldest_unacked_age_seconds')!.samples[0]!;
      assert.deepEqual(age.labels, [['topic', 't'], ['group', 'g']]);
      assert.equal(age.value, 7.5, 'the event at position 2 is the oldest not acked');
    } finally {
      await log.close();
    }
  });

  it('escapes label values and help text so that a strict parser reads them back', () => {
    const nasty = 'a "quoted" back\\slash\nnewline';
    const text = renderExposition([{ name: 'x_total', help: 'help with \\ and\nnewline', type: 'counter', samples: [{ name: 'x_total', labels: [['topic', nasty]], value: 3 }] }]);
    const parsed = parsePrometheusText(text);
    assert.equal(parsed.get('x_total')!.help, 'help with \\ and\nnewline');
    assert.equal(valueOf(parsed, 'x_total', 'x_total', { topic: nasty }), 3);
    assert.throws(() => parsePrometheusText('x_total 1\n'), /outside its family/, 'the parser is strict: a sample needs its TYPE first');
    assert.throws(() => parsePrometheusText('# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n'), /cumulative/);
  });

  it('records the same through an OpenTelemetry MeterProvider, gauges included', async () => {
    const reader = new TestReader();
    const meterProvider = new MeterProvider({ readers: [reader] });
    const h = new Herald(new MemoryLog(), 'urn:test', new Observability({ tracing: false, metrics: { meterProvider } }));
    try {
      await scenario(h);
      const { resourceMetrics } = await reader.collect();
      const all: MetricData[] = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics);
      const points = (name: string): DataPoint<unknown>[] => (all.find((m) => m.descriptor.name === name)?.dataPoints ?? []);
      const sum = (name: string, attrs: Record<string, string>): number => points(name)
        .filter((p) => Object.entries(attrs).every(([k, v]) => p.attributes[k] === v)).reduce((n, p) => n + (p.value as number), 0);
      assert.equal(sum('herald.events.published', { 'messaging.destination.name': 'orders' }), 5);
      assert.equal(sum('herald.events.handled', { 'messaging.consumer.group.name': 'billing', 'messaging.herald.outcome': 'ok' }), 4);
      assert.equal(sum('herald.dead_lettered', { 'messaging.consumer.group.name': 'billing' }), 1);
      assert.equal(sum('herald.consumer.lag', { 'messaging.destination.name': 'orders', 'messaging.consumer.group.name': 'billing' }), 0);
      assert.equal(sum('herald.dead_letter.depth', { 'messaging.destination.name': 'orders', 'messaging.consumer.group.name': 'billing' }), 1);
      const durations = points('messaging.process.duration');
      assert.equal(durations.reduce((n, p) => n + (p.value as { count: number }).count, 0), 6);
    } finally {
      await h.close();
      await meterProvider.shutdown();
    }
  });
});
