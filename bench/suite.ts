import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, hostname, release, tmpdir, totalmem, type } from 'node:os';
import { join } from 'node:path';
import { ratios, targets } from './compare.js';
import { makePeer, selectSystems } from './peers/index.js';
import { Unavailable, type Peer } from './peers/types.js';
import { GROUPS, SIZES, WORKLOADS, type Mode, type WorkloadId } from './plan.js';
import type { Reporter } from './progress.js';
import { figuresOf, writeResults, type BenchResults, type SystemInfo } from './results.js';
import { planSteps } from './steps.js';
import type { Measurement } from './workloads/types.js';

export interface BenchOptions {
  mode: Mode;
  /** Systems (`herald` selects both herald rows). Default: all. */
  only?: readonly string[];
  /** Workload groups. Default: all. */
  workloads?: readonly string[];
  repetitions?: number;
  /** Where the results JSON goes (default bench/results). */
  outDir?: string;
  /** Parent of the temporary data directory (default: the OS temp dir). */
  dataDir?: string;
  signal?: AbortSignal;
  reporter: Reporter;
}

function format(m: Measurement, workload: WorkloadId): string {
  const info = WORKLOADS[workload];
  if (workload.startsWith('latency-')) {
    const e = m.extra ?? {};
    return `p50 ${String(e.p50)} ms, p99 ${String(e.p99)} ms, p99.9 ${String(e.p999)} ms${Number(e.lost) > 0 ? `, ${String(e.lost)} not received` : ''}`;
  }
  return `${Math.round(m.value).toLocaleString('en-US')} ${info.unit}`;
}

/** Error text without this machine's paths (the results file is shared). */
function scrub(text: string, dataDir: string): string {
  return text.split(dataDir).join('<data>').split(tmpdir()).join('<tmp>').split(process.cwd()).join('.');
}

async function openPeers(ids: readonly string[], dataDir: string, out: Reporter): Promise<{ open: Peer[]; systems: SystemInfo[] }> {
  const open: Peer[] = [];
  const systems: SystemInfo[] = [];
  for (const id of ids) {
    const peer = makePeer(id, { dataDir });
    const info: SystemInfo = { id, label: peer.label, client: peer.client, durability: peer.durability };
    try {
      await peer.open();
      open.push(peer);
      systems.push({ ...info, durability: peer.durability, server: peer.version() });
    } catch (error) {
      if (!(error instanceof Unavailable)) throw error;
      out.note(`skipped: ${error.message}`);
      systems.push({ ...info, skipped: error.message });
    }
  }
  return { open, systems };
}

/** Runs the suite and writes bench/results/<date>-<host>.json; returns the results and the file. */
export async function runBench(options: BenchOptions): Promise<{ results: BenchResults; file: string }> {
  const started = new Date();
  const sizes = { ...SIZES[options.mode], repetitions: options.repetitions ?? SIZES[options.mode].repetitions };
  const ids = selectSystems(options.only);
  const groups = options.workloads && options.workloads.length > 0 ? options.workloads : GROUPS;
  const dataDir = mkdtempSync(join(options.dataDir ?? tmpdir(), 'herald-bench-'));
  const out = options.reporter;
  const runs = new Map<string, Measurement[]>();
  const errors: BenchResults['errors'] = [];
  let systems: SystemInfo[] = [];
  let peers: Peer[] = [];
  try {
    ({ open: peers, systems } = await openPeers(ids, dataDir, out));
    const steps = planSteps({ peers, sizes, groups, dataDir, runId: `r${randomBytes(3).toString('hex')}` });
    out.start(steps.length);
    for (const step of steps) {
      if (options.signal?.aborted) break;
      out.step(step.label);
      try {
        const measured = await step.run();
        const key = `${step.workload}|${step.system}`;
        runs.set(key, [...(runs.get(key) ?? []), ...measured]);
        for (const m of measured) out.note(`${step.label}: ${format(m, step.workload)}`);
      } catch (error) {
        const message = scrub(error instanceof Error ? error.message : String(error), dataDir);
        errors.push({ system: step.system, workload: step.workload, message });
        out.note(`${step.label} failed: ${message}`);
      }
    }
  } finally {
    out.stop();
    for (const p of peers) await p.close().catch((error: unknown) => out.note(`closing ${p.id}: ${String(error)}`));
    rmSync(dataDir, { recursive: true, force: true });
  }
  const figures = [...runs].flatMap(([key, measured]) => {
    const [workload, system] = key.split('|') as [WorkloadId, string];
    return figuresOf(workload, system, measured);
  });
  const finished = new Date();
  const cpu = cpus();
  const results: BenchResults = {
    schema: 1, mode: options.mode, startedAt: started.toISOString(), finishedAt: finished.toISOString(),
    durationSec: Math.round((finished.getTime() - started.getTime()) / 1000), host: hostname(),
    machine: { cpus: cpu.length, cpuModel: cpu[0]?.model ?? '?', memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version, os: `${type()} ${release()}` },
    params: { ...sizes, systems: ids, workloads: groups, interrupted: options.signal?.aborted === true },
    systems, figures, ratios: ratios(figures), targets: targets(figures), errors,
  };
  const file = writeResults(options.outDir ?? join('bench', 'results'), results);
  return { results, file };
}
