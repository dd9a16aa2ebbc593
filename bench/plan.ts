/** The workloads, their sizes in quick and full mode, and how the report names them. */

export type Mode = 'quick' | 'full';

export interface Sizes {
  repetitions: number;
  publish: { events: number; maxMs: number; window: number };
  /** Publishes one at a time and ten at once (single-event durable appends). */
  small: { maxMs: number };
  consume: { events: number; maxMs: number; inFlight: number };
  latency: { rates: number[]; durationMs: Record<number, number>; warmupMs: number; drainMs: number; window: number };
  replay: { events: number; fillMaxMs: number; maxMs: number };
  memory: { events: number; consumeMs: number; sampleMs: number; handlerMs: number; concurrency: number; maxMs: number };
  physical: { fsyncMs: number; seqMiB: number; appendEvents: number; appendMs: number };
}

export const SIZES: Record<Mode, Sizes> = {
  full: {
    repetitions: 3,
    publish: { events: 200_000, maxMs: 12_000, window: 1000 },
    small: { maxMs: 2_000 },
    consume: { events: 200_000, maxMs: 15_000, inFlight: 1000 },
    latency: { rates: [1000, 5000, 20_000], durationMs: { 1000: 8000, 5000: 5000, 20000: 4000 }, warmupMs: 1000, drainMs: 5000, window: 1000 },
    replay: { events: 1_000_000, fillMaxMs: 90_000, maxMs: 60_000 },
    memory: { events: 1_000_000, consumeMs: 15_000, sampleMs: 100, handlerMs: 1, concurrency: 8, maxMs: 120_000 },
    physical: { fsyncMs: 2000, seqMiB: 256, appendEvents: 1_000_000, appendMs: 3000 },
  },
  quick: {
    repetitions: 1,
    publish: { events: 30_000, maxMs: 2_000, window: 1000 },
    small: { maxMs: 600 },
    consume: { events: 30_000, maxMs: 4_000, inFlight: 1000 },
    latency: { rates: [1000, 5000, 20_000], durationMs: { 1000: 1200, 5000: 1000, 20000: 1000 }, warmupMs: 300, drainMs: 2000, window: 1000 },
    replay: { events: 100_000, fillMaxMs: 20_000, maxMs: 20_000 },
    memory: { events: 100_000, consumeMs: 4_000, sampleMs: 100, handlerMs: 1, concurrency: 8, maxMs: 60_000 },
    physical: { fsyncMs: 500, seqMiB: 64, appendEvents: 200_000, appendMs: 1000 },
  },
};

export interface WorkloadInfo {
  title: string;
  unit: 'events/s' | 'ms' | 'MB' | 'MB/s' | 'syncs/s';
  better: 'higher' | 'lower';
  /** Latency workloads report three metrics; the others one. */
  metrics: readonly string[];
}

const throughput = (title: string): WorkloadInfo => ({ title, unit: 'events/s', better: 'higher', metrics: ['throughput'] });
const latency = (rate: string): WorkloadInfo => ({ title: `End-to-end latency at ${rate} events/s`, unit: 'ms', better: 'lower', metrics: ['p50', 'p99', 'p999'] });

export const WORKLOADS = {
  'publish-1p': throughput('Durable publish, 1 producer, 1,000 in flight'),
  'publish-4p': throughput('Durable publish, 4 producers × 1,000 in flight'),
  'publish-w1': throughput('Durable publish, one at a time (each awaited)'),
  'publish-w10': throughput('Durable publish, 10 concurrent single-event publishes'),
  consume: throughput('Consume through a consumer group with acks, 1,000 in flight'),
  'latency-1k': latency('1,000'),
  'latency-5k': latency('5,000'),
  'latency-20k': latency('20,000'),
  replay: throughput('Replay: read the stored events from the start'),
  memory: { title: 'Peak RSS of the herald process, slow consumer on a large backlog', unit: 'MB', better: 'lower', metrics: ['peak'] },
  'disk-fdatasync': { title: 'Disk: 4 KiB write + fdatasync', unit: 'syncs/s', better: 'higher', metrics: ['throughput'] },
  'disk-seqwrite': { title: 'Disk: sequential write bandwidth (1 MiB writes, fdatasync included)', unit: 'MB/s', better: 'higher', metrics: ['throughput'] },
  'disk-appendfile': throughput('Disk: append-only file, 256-byte records, one fdatasync per 1,000'),
} satisfies Record<string, WorkloadInfo>;

export type WorkloadId = keyof typeof WORKLOADS;

export const WORKLOAD_IDS = Object.keys(WORKLOADS) as WorkloadId[];

export function latencyWorkload(rate: number): WorkloadId {
  return `latency-${rate / 1000}k` as WorkloadId;
}

/** Groups for `--workloads`: publish, consume, latency, replay, memory, disk. */
export const GROUPS = ['disk', 'publish', 'consume', 'latency', 'replay', 'memory'] as const;

export function inGroups(id: WorkloadId, groups: readonly string[]): boolean {
  return groups.some((g) => id === g || id.startsWith(`${g}-`));
}
