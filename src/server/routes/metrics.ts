import type { EventLog } from '../../log/types.js';
import { collectLogMetrics, isTimedLog, PROMETHEUS_CONTENT_TYPE, Registry, renderExposition, type Histogram, type MetricFamily } from '../../observability/index.js';
import { DEFAULT_BUCKETS } from '../../observability/herald-metrics.js';
import type { RouteDef } from '../route.js';

/** The backend's append and fsync timings, recorded from the first scrape on (one histogram per log). */
const timings = new WeakMap<EventLog, { registry: Registry; histogram: Histogram }>();

function timingFamilies(log: EventLog): MetricFamily[] {
  if (!isTimedLog(log)) return [];
  let seen = timings.get(log);
  if (!seen) {
    const registry = new Registry();
    const histogram = registry.histogram('herald_log_operation_seconds', 'Duration of the backend\'s appends (one commit) and fsyncs.', ['operation'], DEFAULT_BUCKETS.log);
    log.onTiming((operation, seconds) => histogram.labels(operation).observe(seconds));
    timings.set(log, (seen = { registry, histogram }));
  }
  return seen.registry.collect();
}

/**
 * `GET /metrics`: the Prometheus text exposition, read from the log when scraped: topic sizes
 * and heads, consumer groups' cursor, pending, lag and oldest unacked age, dead-letter depths
 * (of the caller's tenant only), and the backend's write timings. Counters of what handlers do
 * live in the processes that run them (`Herald.observability.prometheus()`).
 */
export function metricsRoutes(): RouteDef[] {
  return [{
    id: 'metrics', method: 'GET', url: '/metrics', tag: 'health', permission: { kind: 'tenant', action: 'metrics' },
    summary: 'Prometheus metrics of the tenant\'s topics and consumer groups (text format 0.0.4): sizes, lag, oldest unacked age, dead letters; and the backend\'s write timings.',
    response: 'text/plain; version=0.0.4 (the Prometheus text exposition format)',
    handler: async (_req, reply, ctx) => {
      const families = [...await collectLogMetrics(ctx.log), ...timingFamilies(ctx.gateway.log)];
      void reply.type(PROMETHEUS_CONTENT_TYPE);
      return renderExposition(families);
    },
  }];
}
