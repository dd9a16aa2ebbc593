/**
 * The soak's phases (RELIABILITY.md, "Optional soak"): which compiled test files each runs, the
 * size knob it sets and its full-size value. `--scale f` multiplies every size (counts and
 * durations alike); a size never drops below 1.
 */
export interface StepSpec {
  label: string;
  files: string[];
  env: Record<string, string>;
  /** Extra `node --test` arguments (e.g. a name pattern). */
  args: string[];
}

export interface PhaseSpec {
  name: string;
  row: string;
  title: string;
  /** CPU-heavy phases never run beside each other (2-core machine). */
  heavy: boolean;
  /** Globs under the build root (see discover.ts). */
  patterns: string[];
  knob: string;
  /** The compiled file that must mention `knob` (default: each test file itself). */
  knobReader?: string;
  /** The plan's full size. */
  base: number;
  /**
   * Never scale below this (the test's CI size) where a smaller run fails for its own reasons:
   * R11 needs time for two leader kills and a 10 s pause, R13 a minute for a slope, R3 enough
   * kills for its kills × maxInFlight bound.
   */
  min?: number;
  sizeText(size: number): string;
  steps(files: string[], size: number, seed: number): StepSpec[];
  /** Seconds one pass of the steps takes (a repeated phase adds `repeatSec`). */
  estimateSec(size: number): number;
  /** What the test asserts when it passes, in the plan's words (only for tests read by us). */
  passAsserts?: string;
  /** Figures the passing test asserts to be 0 even when it does not print them. */
  zeroOnPass?: ('lost' | 'duplicates')[];
  /**
   * Repeat the steps, seed +1 each time, until this many seconds (at scale 1) have passed: for a
   * test whose length does not grow with its size knob. Stops at the first failing run.
   */
  repeatSec?: number;
  /** Seeds covered (for the model test, whose seeds are HERALD_SEED, +1, … ). */
  seeds?(size: number, seed: number): string;
}

const fmt = (n: number): string => n.toLocaleString('en-US');
const oneStep = (knob: string) => (files: string[], size: number): StepSpec[] =>
  [{ label: 'all', files, env: { [knob]: String(size) }, args: [] }];
/** The model test: most seeds on the in-memory log (fast), a share on SQLite (real storage). */
const MEMORY_SHARE = 0.8;
const split = (size: number): [number, number] => {
  const memory = Math.max(1, Math.round(size * MEMORY_SHARE));
  return [memory, Math.max(1, size - memory)];
};
/**
 * R2 re-reads the whole log after every kill in CI; over 1,000 kills (~1M events) that is
 * quadratic, so the soak checks what each kill added and runs the full check (integrity_check,
 * whole log, every ack) every 25th kill and at the end.
 */
const R2_FULL_EVERY = 25;
/**
 * R12's test makes ~300 transactions whatever HERALD_R12_EVENTS is (batches of EVENTS/300 on
 * average) and its COMMIT sleeps run one after another, so one run lasts ~30 s at any size
 * (measured: 1,800 events in 31 s, 60,000 in 33 s on 2 cores). A 30-minute soak is therefore
 * repeated runs at 3× the CI size, each with the next seed.
 */
const R12_EVENTS = 60_000;
/**
 * R11 keeps its whole history in memory (~600k events in a 5-minute run; the quarter-size soak's
 * single 450 s run peaked at 3.1 GB for the process tree). A 30-minute soak is therefore repeated
 * 5-minute runs, each on a fresh 3-node cluster with the next seed: two leader kills and a paused
 * follower each, 12 kills and 6 pauses in all.
 */
const R11_RUN_SEC = 300;

export const PHASES: readonly PhaseSpec[] = [
  {
    name: 'r13-slow-consumer', row: 'R13', title: 'slow consumer and never-reading clients: bounded memory', heavy: false,
    patterns: ['test/reliability/backpressure*.test.js'], knob: 'HERALD_R13_SECONDS', base: 3_600, min: 60,
    sizeText: (s) => `${fmt(s)} s of slow consumer`, estimateSec: (s) => s + 300,
    // V8's defaults for the child (HERALD_R13_V8=''): the CI run pins the young generation at 8 MB
    // semi-spaces so a minute shows no adaptive step, but the pin is process-wide, and the
    // checkpoint worker, whose young generation nothing collects, then fills its 8 MB over hours
    // (+4 MB in the hour: an artefact the soak's slope rule would read as a leak).
    steps: (files, size) => [{ label: 'all', files, env: { HERALD_R13_SECONDS: String(size), HERALD_R13_V8: '' }, args: [] }],
  },
  {
    name: 'r2-kills', row: 'R2', title: 'SIGKILL the embedded log while 4 producers publish and 2 groups consume', heavy: true,
    patterns: ['test/crash/sqlite-crash.e2e.test.js'], knob: 'HERALD_CRASH_CYCLES', base: 1_000,
    sizeText: (s) => `${fmt(s)} kills on one log (full check every ${R2_FULL_EVERY})`,
    steps: (files, size) => [{ label: 'all', files, env: { HERALD_CRASH_CYCLES: String(size), HERALD_CRASH_FULL_EVERY: String(R2_FULL_EVERY) }, args: [] }],
    // ~2 s a kill, plus the full checks re-reading a log that grows by ~1,000 events a kill.
    estimateSec: (s) => s * 2 + (s * s) / 2_500,
    passAsserts: 'the history checker finds no anomaly (lost, duplicate, reordered, gap, …) after every kill: over the ' +
      'appends since the last check, and over every append against the whole log plus SQLite integrity_check every ' +
      `${R2_FULL_EVERY}th kill and at the end; after a drain: exactly-once effects, redeliveries ≤ kills × 64`,
    zeroOnPass: ['lost', 'duplicates'],
  },
  {
    name: 'r1-seeds', row: 'R1', title: 'model-based simulation of the log (memory and SQLite)', heavy: true,
    patterns: ['test/conformance/memory.int.test.js', 'src/backends/sqlite/sqlite-conformance.int.test.js'], knob: 'HERALD_RUNS', base: 20_000,
    knobReader: 'test/conformance/model.js',
    sizeText: (s) => { const [m, q] = split(s); return `${fmt(s)} seeds (${fmt(m)} memory, ${fmt(q)} SQLite)`; },
    steps: (files, size, seed) => {
      const [memory, sqlite] = split(size);
      const step = (label: string, runs: number, from: number): StepSpec[] => files.filter((f) => f.includes(label)).map((f) => ({
        label, files: [f], env: { HERALD_RUNS: String(runs), HERALD_SEED: String(from >>> 0) }, args: ['--test-name-pattern=model-based'],
      }));
      return [...step('memory', memory, seed), ...step('sqlite', sqlite, seed + memory)];
    },
    estimateSec: (s) => { const [m, q] = split(s); return m * 0.035 + q * 0.25 + 10; },
    passAsserts: 'every run matched the model: at-least-once until acked, stale leases rejected, attempts and lastError, ' +
      'key order, drained to 0 pending and 0 lag',
    seeds: (s, seed) => { const [m] = split(s); return `memory ${seed}…${seed + m - 1}, SQLite ${seed + m}…${seed + s - 1}`; },
  },
  {
    name: 'r3-consumer-kills', row: 'R3', title: 'SIGKILL a consumer mid-batch (4 workers)', heavy: true,
    patterns: ['test/reliability/consumer-kill*.test.js'], knob: 'HERALD_R3_KILLS', base: 200, min: 20,
    sizeText: (s) => `${fmt(s)} consumer kills`, steps: oneStep('HERALD_R3_KILLS'), estimateSec: (s) => s * 4 + 60,
  },
  {
    name: 's3-fuzz', row: 'S3', title: 'fuzz every parser', heavy: true,
    patterns: ['test/security/**/*fuzz*.test.js', 'src/server/**/*fuzz*.test.js'], knob: 'HERALD_S3_INPUTS', base: 1_000_000,
    sizeText: (s) => `${fmt(s)} inputs per parser`, steps: oneStep('HERALD_S3_INPUTS'),
    // Measured: 44–57 s for 10,000 inputs on each of the 12 parsers of parsers-fuzz (2 cores, loaded).
    estimateSec: (s) => (s / 10_000) * 50 + 10,
  },
  {
    name: 'r11-jetstream', row: 'R11', title: '3-node JetStream cluster with leader kills, a paused follower and a partitioned leader', heavy: true,
    patterns: ['src/backends/nats/nats-cluster.int.test.js'], knob: 'HERALD_R11_SECONDS', base: R11_RUN_SEC, min: 40,
    repeatSec: 30 * 60,
    sizeText: (s) => `runs of ${fmt(s)} s of cluster faults, repeated`, steps: oneStep('HERALD_R11_SECONDS'), estimateSec: (s) => s + 60,
  },
  {
    name: 'r12-pg-writers', row: 'R12', title: 'PostgreSQL: 16 slow-committing writers, live position readers', heavy: false,
    patterns: ['test/reliability/pg-skips*.test.js', 'src/backends/postgres/postgres-ordering.int.test.js'], knob: 'HERALD_R12_EVENTS',
    base: R12_EVENTS, repeatSec: 30 * 60,
    sizeText: (s) => `runs of ${fmt(s)} events, repeated`, steps: oneStep('HERALD_R12_EVENTS'), estimateSec: () => 60,
  },
];

/** The soak's own pass rule for R13: the memory slope stays under 1 MB per 10 minutes. */
export const R13_MAX_SLOPE_MB_PER_10_MIN = 1;

export function scaled(base: number, scale: number, min = 1): number {
  return Math.max(min, Math.round(base * scale));
}
