/**
 * The soak's record: one JSON file per run in soak/results/, everything the runner saw. The
 * markdown report (docs/soak.md) is generated from it, so a figure in the docs always has a file
 * behind it.
 */

/** `not-available`: the phase's test file does not exist (yet); never counted as a pass. */
export type PhaseResult = 'pass' | 'fail' | 'skipped' | 'not-available' | 'planned';

export interface TapCounts {
  tests: number;
  pass: number;
  fail: number;
  cancelled: number;
  skipped: number;
  todo: number;
}

export interface Subtest {
  name: string;
  /** Nesting level (0: a file's top-level test or suite). */
  depth: number;
  ok: boolean;
  skip?: string;
  todo?: string;
  durationMs?: number;
  /** First lines of the failure, for a failed test. */
  error?: string;
}

/** Key figures parsed from a phase's diagnostics (absent when the test did not print them). */
export interface Figures {
  /** Runs of a repeated phase. */
  runs?: number;
  kills?: number;
  seeds?: number;
  inputs?: number;
  events?: number;
  lost?: number;
  duplicates?: number;
  /** The test's own RSS slope, in MB per 10 minutes. */
  rssSlopeMbPer10Min?: number;
  /** The test's own peak RSS, in MB. */
  peakRssMb?: number;
}

export interface RssSummary {
  /** Peak of the sum over the `node --test` process and all its descendants, in MB. */
  peakTreeMb: number;
  /** Peak of the largest single process of that tree, in MB. */
  peakProcessMb: number;
  /** Least-squares slope of the tree's RSS over the last 2/3 of samples, MB per 10 minutes. */
  slopeMbPer10Min?: number;
  samples: number;
}

export interface StepRecord {
  label: string;
  /** argv, paths relative to the repository. */
  command: string[];
  /** Only the variables the runner set (the rest is the caller's environment). */
  env: Record<string, string>;
  startedAt: string;
  endedAt: string;
  durationMs: number;
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  counts: TapCounts;
  subtests: Subtest[];
  /** `# ` lines of the TAP stream other than the runner's own summary (capped). */
  diagnostics: string[];
  diagnosticsDropped: number;
  seedsPrinted: number[];
  rss?: RssSummary;
  /** Last lines of stderr when the step failed. */
  stderrTail?: string[];
}

export interface PhaseRecord {
  name: string;
  row: string;
  title: string;
  heavy: boolean;
  /** Size knobs actually used (env name → value). */
  size: Record<string, number>;
  sizeText: string;
  /** False when a test file ran but does not read the phase's size knob: it ran at its own size. */
  scaled: boolean;
  seed: number;
  /** Seed ranges a multi-seed phase covered (the model test runs HERALD_SEED, +1, …). */
  seedsCovered?: string;
  result: PhaseResult;
  reason?: string;
  warnings: string[];
  startedAt?: string;
  endedAt?: string;
  durationMs?: number;
  estimateSec: number;
  steps: StepRecord[];
  figures: Figures;
  /** Figures not printed but asserted by the passing test (e.g. lost = 0). */
  assertedFigures?: (keyof Figures)[];
  /** What a pass of this phase's test asserts, stated by the runner (not parsed). */
  passAsserts?: string;
}

export interface SoakRun {
  version: 1;
  host: string;
  node: string;
  cpus: number;
  /** The commit the build was made from (`+changes` when the tree had uncommitted changes). */
  commit?: string;
  startedAt: string;
  endedAt: string;
  durationMs: number;
  scale: number;
  only?: string[];
  concurrency: number;
  seed: number;
  /** The command that reproduces this run. */
  reproduce: string;
  result: 'pass' | 'fail' | 'incomplete';
  phases: PhaseRecord[];
}
