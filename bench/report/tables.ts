import { num, times, withSpread } from '../format.js';
import { isHerald } from '../peers/index.js';
import { WORKLOADS, type WorkloadId } from '../plan.js';
import { OVERHEAD_TARGET, type BackendsResults } from '../backends-results.js';
import type { BenchResults, Figure } from '../results.js';

/** A markdown table; cells are escaped for pipes. */
export function mdTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  return [header, header.map(() => '---'), ...rows].map((r) => `| ${r.map(cell).join(' | ')} |`).join('\n');
}

function label(results: BenchResults, id: string): string {
  return results.systems.find((s) => s.id === id)?.label ?? id;
}

function fig(results: BenchResults, workload: WorkloadId, system: string, metric?: string): Figure | undefined {
  return results.figures.find((f) => f.workload === workload && f.system === system && (metric === undefined || f.metric === metric));
}

/** Systems measured in this run, in table order, with their durability. */
export function systemsTable(results: BenchResults): string {
  return mdTable(['System', 'Server', 'Client, and how it is driven', 'What an acknowledged publish survives'],
    results.systems.map((s) => [s.label, s.skipped ? `skipped: ${s.skipped}` : (s.server ?? ''), s.client, s.durability]));
}

/** Rows: systems; columns: the given throughput workloads; cells: median (min–max). */
export function throughputTable(results: BenchResults, workloads: readonly WorkloadId[]): string {
  const present = workloads.filter((w) => results.figures.some((f) => f.workload === w));
  const systems = results.systems.filter((s) => present.some((w) => fig(results, w, s.id)));
  return mdTable(['System', ...present.map((w) => WORKLOADS[w].title)],
    systems.map((s) => [label(results, s.id), ...present.map((w) => { const f = fig(results, w, s.id); return f ? withSpread(f.summary) : '—'; })]));
}

/** herald ÷ each peer for one herald row; throughput: >1 is better, latency: <1 is better. */
export function ratioTable(results: BenchResults, herald: string): string {
  const rows = results.ratios.filter((r) => r.herald === herald);
  const peers = [...new Set(rows.map((r) => r.peer))];
  const keys = [...new Set(rows.map((r) => `${r.workload}|${r.metric}`))];
  return mdTable([`${label(results, herald)} ÷ peer`, ...peers.map((p) => label(results, p))], keys.map((k) => {
    const [w, metric] = k.split('|') as [WorkloadId, string];
    const name = WORKLOADS[w].metrics.length > 1 ? `${WORKLOADS[w].title}, ${metric === 'p999' ? 'p99.9' : metric}` : WORKLOADS[w].title;
    return [name, ...peers.map((p) => times(rows.find((r) => `${r.workload}|${r.metric}` === k && r.peer === p)?.ratio ?? NaN))];
  }));
}

/** One latency workload: p50 / p99 / p99.9 per system, with what was offered and achieved. */
export function latencyTable(results: BenchResults, workload: WorkloadId): string {
  const systems = results.systems.filter((s) => fig(results, workload, s.id));
  return mdTable(['System', 'p50 ms', 'p99 ms', 'p99.9 ms', 'sent at (events/s)', 'not received'], systems.map((s) => {
    const detail = fig(results, workload, s.id, 'p99')?.detail ?? {};
    const m = (metric: string): string => { const f = fig(results, workload, s.id, metric); return f ? withSpread(f.summary) : '—'; };
    return [label(results, s.id), m('p50'), m('p99'), m('p999'), num(Number(detail.achievedRate)), String(Number(detail.lost ?? 0))];
  }));
}

export function diskTable(results: BenchResults): string {
  const ids: WorkloadId[] = ['disk-fdatasync', 'disk-seqwrite', 'disk-appendfile'];
  return mdTable(['Measure', 'Median (min–max)', 'Unit'], ids.flatMap((w) => {
    const f = fig(results, w, 'disk');
    return f ? [[WORKLOADS[w].title.replace(/^Disk: /, ''), withSpread(f.summary), WORKLOADS[w].unit]] : [];
  }));
}

export function targetsTable(results: BenchResults): string {
  return mdTable(['', 'Target', 'Measured', 'Bound'], results.targets.map((t) => [
    t.met === null ? 'not measured' : t.met ? '**met**' : 'not met', t.text + (t.note ? ` (${t.note})` : ''), num(t.value), num(t.bound),
  ]));
}

export function memoryText(results: BenchResults): string {
  const f = fig(results, 'memory', 'herald');
  if (!f) return 'Not measured in this run.';
  const d = f.detail ?? {};
  const p = (results.params as { memory?: { handlerMs?: number; concurrency?: number; sampleMs?: number } }).memory ?? {};
  return [
    `Backlog of ${num(Number(d.backlog))} events (filled in ${num(Number(d.fillMs) / 1000)} s; RSS after the fill ${num(Number(d.rssAfterFillMB))} MB).`,
    `A slow consumer (each handler waits ${p.handlerMs ?? '?'} ms, concurrency ${p.concurrency ?? '?'}) ran while RSS was sampled every ${p.sampleMs ?? '?'} ms: peak **${withSpread(f.summary)} MB**,`,
    `${num(Number(d.endMB))} MB at the end, second-half peak minus first-half peak ${num(Number(d.growthMB))} MB; ${num(Number(d.consumed))} events handled.`,
  ].join('\n');
}

export const heraldRows = (results: BenchResults): string[] => results.systems.filter((s) => isHerald(s.id) && !s.skipped).map((s) => s.id);

/** herald on each scale-out backend against the raw client: medians, ratio, the issue 6 target. */
export function backendsTable(results: BackendsResults): string {
  const names: Record<string, string> = { postgres: 'PostgreSQL', redis: 'Redis Streams', nats: 'NATS JetStream', rabbitmq: 'RabbitMQ' };
  return mdTable(['backend', 'workload', 'raw client (ev/s)', 'herald on it (ev/s)', 'ratio', `target ≥ ${OVERHEAD_TARGET}`], results.rows.map((row) => [
    names[row.backend] ?? row.backend, row.workload, num(row.raw), num(row.herald), row.ratio.toFixed(2), row.ratio >= OVERHEAD_TARGET ? '**met**' : 'not met',
  ]));
}
