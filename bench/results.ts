import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Mode, WorkloadId } from './plan.js';
import { WORKLOADS } from './plan.js';
import { median, summarize, type Summary } from './stats.js';
import type { Measurement } from './workloads/types.js';

/** One system as the run saw it. */
export interface SystemInfo {
  id: string;
  label: string;
  client: string;
  durability: string;
  server?: string;
  /** Why it was skipped, when it was. */
  skipped?: string;
}

/** One figure: the median of its repetitions with the spread. */
export interface Figure {
  workload: WorkloadId;
  metric: string;
  system: string;
  unit: string;
  better: 'higher' | 'lower';
  summary: Summary;
  /** From the median repetition: distribution curve, lost events, memory samples… */
  detail?: Record<string, unknown>;
}

export interface RatioRow {
  workload: WorkloadId;
  metric: string;
  herald: string;
  peer: string;
  /** herald's median over the peer's. */
  ratio: number;
  /** >1: herald better (throughput higher, latency or memory lower). */
  advantage: number;
}

export interface TargetResult {
  id: string;
  text: string;
  /** The measured value (a ratio or a figure) and the bound it is compared with. */
  value: number;
  bound: number;
  met: boolean | null;
  note?: string;
}

export interface BenchResults {
  schema: 1;
  mode: Mode;
  startedAt: string;
  finishedAt: string;
  durationSec: number;
  host: string;
  machine: { cpus: number; cpuModel: string; memoryGiB: number; node: string; os: string };
  params: unknown;
  systems: SystemInfo[];
  figures: Figure[];
  ratios: RatioRow[];
  targets: TargetResult[];
  errors: { system: string; workload: string; message: string }[];
}

/** The run of `runs` whose `pick` is the median one (for details that cannot be averaged). */
function medianRun(runs: readonly Measurement[], pick: (m: Measurement) => number): Measurement | undefined {
  const m = median(runs.map(pick));
  let best: Measurement | undefined;
  for (const r of runs) if (!best || Math.abs(pick(r) - m) < Math.abs(pick(best) - m)) best = r;
  return best;
}

/** Turns the repetitions of one workload on one system into its figures. */
export function figuresOf(workload: WorkloadId, system: string, runs: readonly Measurement[]): Figure[] {
  const info = WORKLOADS[workload];
  const base = { workload, system, unit: info.unit, better: info.better };
  if (runs.length === 0) return [];
  if (workload.startsWith('latency-')) {
    const mid = medianRun(runs, (r) => r.value);
    const lost = runs.reduce((a, r) => a + Number(r.extra?.lost ?? 0), 0);
    return info.metrics.map((metric) => ({
      ...base, metric,
      summary: summarize(runs.map((r) => Number(r.extra?.[metric]))),
      ...(metric === 'p99' ? { detail: { curve: mid?.extra?.curve, lost, achievedRate: mid?.extra?.achievedRate, maxSendLagMs: mid?.extra?.maxSendLagMs } } : {}),
    }));
  }
  const mid = medianRun(runs, (r) => r.value);
  const { samples: _samples, ...rest } = mid?.extra ?? {};
  const detail = workload === 'memory' ? { ...rest, samples: mid?.extra?.samples } : { ...rest, events: mid?.events };
  return [{ ...base, metric: info.metrics[0]!, summary: summarize(runs.map((r) => r.value)), detail }];
}

/** bench/results/<date>-<host>[.quick].json, written atomically. */
export function writeResults(dir: string, results: BenchResults): string {
  mkdirSync(dir, { recursive: true });
  const date = results.startedAt.slice(0, 10);
  const host = results.host.replace(/[^A-Za-z0-9_.-]/g, '_');
  const file = join(dir, `${date}-${host}${results.mode === 'quick' ? '.quick' : ''}.json`);
  writeFileSync(`${file}.tmp`, `${JSON.stringify(results, null, 1)}\n`);
  renameSync(`${file}.tmp`, file);
  return file;
}
