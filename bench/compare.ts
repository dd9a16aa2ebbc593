import { isHerald } from './peers/index.js';
import type { WorkloadId } from './plan.js';
import type { Figure, RatioRow, TargetResult } from './results.js';
import { advantage, ratio } from './stats.js';

/** Each herald figure over each peer's figure of the same workload and metric, same run. */
export function ratios(figures: readonly Figure[]): RatioRow[] {
  const rows: RatioRow[] = [];
  for (const h of figures) {
    if (!isHerald(h.system)) continue;
    for (const p of figures) {
      if (p.workload !== h.workload || p.metric !== h.metric || isHerald(p.system) || p.system === 'disk') continue;
      const r = ratio(h.summary.median, p.summary.median);
      rows.push({ workload: h.workload, metric: h.metric, herald: h.system, peer: p.system, ratio: r, advantage: advantage(r, h.better) });
    }
  }
  return rows;
}

function find(figures: readonly Figure[], workload: WorkloadId, system: string, metric?: string): number {
  const f = figures.find((x) => x.workload === workload && x.system === system && (metric === undefined || x.metric === metric));
  return f ? f.summary.median : NaN;
}

function target(id: string, text: string, value: number, bound: number, cmp: 'ge' | 'le', note?: string): TargetResult {
  const met = Number.isFinite(value) ? (cmp === 'ge' ? value >= bound : value <= bound) : null;
  return { id, text, value, bound, met, ...(note ? { note } : {}) };
}

/** The targets of issue 3, evaluated on one run's figures (null: not measured in this run). */
export function targets(figures: readonly Figure[]): TargetResult[] {
  const f = (w: WorkloadId, s: string, m?: string): number => find(figures, w, s, m);
  const over = (a: number, b: number): number => (Number.isFinite(a) && Number.isFinite(b) && b !== 0 ? a / b : NaN);
  const memory = figures.find((x) => x.workload === 'memory' && x.system === 'herald');
  const growth = Number(memory?.detail?.growthMB ?? NaN);
  return [
    target('publish-vs-nats', 'durable publish (1 producer) ≥ 3× NATS JetStream', over(f('publish-1p', 'herald'), f('publish-1p', 'nats')), 3, 'ge'),
    target('publish-4p-vs-nats', 'durable publish (4 producers) ≥ 3× NATS JetStream', over(f('publish-4p', 'herald'), f('publish-4p', 'nats')), 3, 'ge'),
    target('publish-os-vs-nats', "relaxed durability ('os') publish (1 producer) ≥ 4× NATS JetStream", over(f('publish-1p', 'herald-os'), f('publish-1p', 'nats')), 4, 'ge'),
    target('consume-vs-nats', 'consume with acks ≥ 5× NATS JetStream', over(f('consume', 'herald'), f('consume', 'nats')), 5, 'ge'),
    target('consume-vs-redis', 'consume with acks ≥ 2.5× Redis Streams', over(f('consume', 'herald'), f('consume', 'redis')), 2.5, 'ge'),
    target('latency-p50', 'e2e p50 ≤ 0.5 ms at 5k events/s (ms)', f('latency-5k', 'herald', 'p50'), 0.5, 'le'),
    target('latency-p99-vs-nats', 'e2e p99 ≤ 0.5× NATS JetStream p99 at 5k events/s', over(f('latency-5k', 'herald', 'p99'), f('latency-5k', 'nats', 'p99')), 0.5, 'le'),
    target('single-vs-fdatasync', 'single-event durable appends, one at a time ≥ 0.9× the disk fdatasync rate', over(f('publish-w1', 'herald'), f('disk-fdatasync', 'disk')), 0.9, 'ge'),
    target('ten-concurrent', 'single-event durable appends, 10 concurrent ≥ 50k events/s', f('publish-w10', 'herald'), 50_000, 'ge'),
    target('vs-append-file', 'durable publish ≥ 0.5× the raw append-file limit', over(f('publish-1p', 'herald'), f('disk-appendfile', 'disk')), 0.5, 'ge'),
    target('replay', 'replay ≥ 1M events/s', f('replay', 'herald'), 1_000_000, 'ge'),
    target('memory-peak', 'peak RSS ≤ 200 MB with the backlog (MB)', f('memory', 'herald'), 200, 'le',
      memory ? `backlog ${Number(memory.detail?.backlog).toLocaleString('en-US')} events` : undefined),
    target('memory-flat', 'RSS flat while consuming: second-half peak − first-half peak ≤ 10 MB', growth, 10, 'le'),
  ];
}
