import { WORKLOADS, type WorkloadId } from '../plan.js';
import type { BenchResults, Figure } from '../results.js';
import { barChart, lineChart, type Series } from './svg.js';

export const COLORS: Record<string, string> = {
  herald: '#2563eb', 'herald-os': '#60a5fa', nats: '#16a34a', redis: '#dc2626', rabbitmq: '#f59e0b', postgres: '#7c3aed', disk: '#6b7280',
};

export const THROUGHPUT_CHARTS: readonly WorkloadId[] = ['publish-1p', 'publish-4p', 'publish-w1', 'publish-w10', 'consume', 'replay'];

/** Position of quantile q on a "nines" axis: 0.9 → 1, 0.99 → 2, 0.999 → 3. */
export function nines(q: number): number {
  return -Math.log10(1 - q);
}

function labelOf(results: BenchResults, system: string): string {
  return results.systems.find((s) => s.id === system)?.label ?? system;
}

function throughputChart(results: BenchResults, workload: WorkloadId): string | undefined {
  const figures = results.figures.filter((f) => f.workload === workload);
  if (figures.length === 0) return undefined;
  const bars = figures.map((f) => ({
    label: labelOf(results, f.system), value: f.summary.median, min: f.summary.min, max: f.summary.max, color: COLORS[f.system] ?? '#888',
  }));
  return barChart(WORKLOADS[workload].title, WORKLOADS[workload].unit, bars);
}

function latencyChart(results: BenchResults, workload: WorkloadId): string | undefined {
  const figures = results.figures.filter((f): f is Figure => f.workload === workload && f.metric === 'p99');
  if (figures.length === 0) return undefined;
  const series: Series[] = figures.map((f) => {
    const curve = (f.detail?.curve ?? []) as [number, number][];
    return { label: labelOf(results, f.system), color: COLORS[f.system] ?? '#888', points: curve.filter(([q]) => q > 0 && q < 1).map(([q, v]) => [nines(q), v]) };
  });
  return lineChart({
    title: `${WORKLOADS[workload].title} (median repetition)`,
    xLabel: 'percentile (measured from the scheduled send time)',
    yLabel: 'publish → handler latency, ms (log scale)',
    yLog: true,
    xTicks: [{ value: nines(0.5), label: '50%' }, { value: 1, label: '90%' }, { value: 2, label: '99%' }, { value: 3, label: '99.9%' }, { value: 4, label: '99.99%' }],
    series,
  });
}

function memoryChart(results: BenchResults): string | undefined {
  const f = results.figures.find((x) => x.workload === 'memory');
  const samples = (f?.detail?.samples ?? []) as [number, number][];
  if (!f || samples.length === 0) return undefined;
  const last = samples[samples.length - 1]![0];
  const step = last > 30 ? 10 : last > 10 ? 5 : 1;
  const ticks = Array.from({ length: Math.floor(last / step) + 1 }, (_, i) => ({ value: i * step, label: `${i * step}s` }));
  return lineChart({
    title: `herald RSS, slow consumer on a backlog of ${Number(f.detail?.backlog ?? 0).toLocaleString('en-US')} events`,
    xLabel: 'time since the consumer started', yLabel: 'RSS, MB', xTicks: ticks,
    series: [{ label: 'herald (fsync)', color: COLORS.herald!, points: samples }],
  });
}

/** Every chart of a run, by file name (written into docs/performance/). */
export function charts(results: BenchResults): Map<string, string> {
  const out = new Map<string, string>();
  for (const w of THROUGHPUT_CHARTS) {
    const svg = throughputChart(results, w);
    if (svg) out.set(`${w}.svg`, svg);
  }
  for (const w of Object.keys(WORKLOADS) as WorkloadId[]) {
    if (!w.startsWith('latency-')) continue;
    const svg = latencyChart(results, w);
    if (svg) out.set(`${w}.svg`, svg);
  }
  const memory = memoryChart(results);
  if (memory) out.set('memory.svg', memory);
  return out;
}
