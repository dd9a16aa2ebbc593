import type { Peer } from './peers/types.js';
import { inGroups, latencyWorkload, type Sizes, type WorkloadId } from './plan.js';
import { consumeThroughput } from './workloads/consume.js';
import { latencyAtRate } from './workloads/latency.js';
import { memoryUnderBacklog } from './workloads/memory.js';
import { appendFile, fdatasyncRate, sequentialWrite } from './workloads/physical.js';
import { publishThroughput } from './workloads/publish.js';
import { replayThroughput } from './workloads/replay.js';
import type { Measurement } from './workloads/types.js';

/** One unit of work: a workload on a system (one repetition, or all of them for replay). */
export interface Step {
  label: string;
  workload: WorkloadId;
  system: string;
  run(): Promise<Measurement[]>;
}

export interface StepContext {
  peers: readonly Peer[];
  sizes: Sizes;
  /** Workload groups to run (disk, publish, consume, latency, replay, memory). */
  groups: readonly string[];
  dataDir: string;
  /** Makes channel names unique across runs. */
  runId: string;
}

/**
 * The whole run as a list of steps. Repetitions are interleaved across systems (rep 1 of every
 * system, then rep 2…) so a drift of the machine does not land on one system only.
 */
export function planSteps(ctx: StepContext): Step[] {
  const { sizes, peers } = ctx;
  const reps = sizes.repetitions;
  const steps: Step[] = [];
  let n = 0;
  const name = (w: string): string => `${ctx.runId}_${w.replace(/[^a-z0-9]/gi, '')}_${n++}`;
  const add = (workload: WorkloadId, system: string, rep: number, run: () => Promise<Measurement[]>): void => {
    if (!inGroups(workload, ctx.groups)) return;
    steps.push({ label: `${workload} · ${system}${reps > 1 ? ` · ${rep + 1}/${reps}` : ''}`, workload, system, run });
  };
  const one = (m: Measurement): Measurement[] => [m];
  const { physical } = sizes;
  for (let r = 0; r < reps; r++) {
    add('disk-fdatasync', 'disk', r, async () => one(fdatasyncRate(ctx.dataDir, physical.fsyncMs)));
    add('disk-seqwrite', 'disk', r, async () => one(sequentialWrite(ctx.dataDir, physical.seqMiB)));
    add('disk-appendfile', 'disk', r, async () => one(appendFile(ctx.dataDir, physical.appendEvents, 1000, physical.appendMs)));
  }
  const publishes: [WorkloadId, number, number, number, number][] = [
    ['publish-1p', 1, sizes.publish.window, sizes.publish.events, sizes.publish.maxMs],
    ['publish-4p', 4, sizes.publish.window, sizes.publish.events, sizes.publish.maxMs],
    ['publish-w1', 1, 1, Number.MAX_SAFE_INTEGER, sizes.small.maxMs],
    ['publish-w10', 1, 10, Number.MAX_SAFE_INTEGER, sizes.small.maxMs],
  ];
  for (const [workload, producers, window, events, maxMs] of publishes) {
    for (let r = 0; r < reps; r++) {
      for (const p of peers) add(workload, p.id, r, async () => one(await publishThroughput(p, name(workload), { events, producers, window, maxMs })));
    }
  }
  for (let r = 0; r < reps; r++) {
    for (const p of peers) add('consume', p.id, r, async () => one(await consumeThroughput(p, name('consume'), sizes.consume)));
  }
  const lat = sizes.latency;
  for (const rate of lat.rates) {
    const workload = latencyWorkload(rate);
    const params = { rate, durationMs: lat.durationMs[rate] ?? 5000, warmupMs: lat.warmupMs, drainMs: lat.drainMs, window: lat.window };
    for (let r = 0; r < reps; r++) {
      for (const p of peers) add(workload, p.id, r, async () => one(await latencyAtRate(p, name(workload), params)));
    }
  }
  for (const p of peers) {
    if (p.id === 'herald-os') continue; // same storage and read path as herald
    add('replay', p.id, 0, () => replayThroughput(p, name('replay'), { ...sizes.replay, repetitions: reps }));
  }
  if (peers.some((p) => p.id === 'herald')) {
    for (let r = 0; r < reps; r++) add('memory', 'herald', r, async () => one(await memoryUnderBacklog(ctx.dataDir, sizes.memory)));
  }
  for (const s of steps) if (s.workload === 'replay') s.label = `replay · ${s.system}${reps > 1 ? ` · ${reps} reads` : ''}`;
  return steps;
}
