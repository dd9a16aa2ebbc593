import type { PhaseRecord, SoakRun, StepRecord } from './types.js';

/** A hand-made soak record for the report's unit test: one phase of each kind of outcome. */
const step = (over: Partial<StepRecord>): StepRecord => ({
  label: 'all', command: ['node', '--test', '--test-reporter=tap', 'dist/test/x.test.js'], env: { HERALD_SEED: '42' },
  startedAt: '2026-12-06T20:00:00.000Z', endedAt: '2026-12-06T20:41:07.000Z', durationMs: 2_467_000,
  exitCode: 0, signal: null, timedOut: false,
  counts: { tests: 1, pass: 1, fail: 0, cancelled: 0, skipped: 0, todo: 0 },
  subtests: [], diagnostics: [], diagnosticsDropped: 0, seedsPrinted: [], ...over,
});

const phase = (over: Partial<PhaseRecord>): PhaseRecord => ({
  name: 'x', row: 'R0', title: 't', heavy: true, size: {}, sizeText: '', scaled: true, seed: 42, result: 'pass',
  warnings: [], estimateSec: 60, steps: [], figures: {}, ...over,
});

export const fixtureRun: SoakRun = {
  version: 1, host: 'linux-x64-2cpu', node: 'v20.20.2', cpus: 2,
  startedAt: '2026-12-06T20:00:00.000Z', endedAt: '2026-12-06T22:31:00.000Z', durationMs: 9_060_000,
  scale: 1, concurrency: 2, seed: 42, reproduce: 'npm run soak -- --scale 1 --seed 42', result: 'fail',
  phases: [
    phase({
      name: 'r2-kills', row: 'R2', title: 'SIGKILL the embedded log', size: { HERALD_CRASH_CYCLES: 1000 }, sizeText: '1,000 kills',
      durationMs: 2_467_000, figures: { kills: 1000, events: 1_012_345, lost: 0, duplicates: 0 }, assertedFigures: ['lost', 'duplicates'],
      passAsserts: 'every acked append read back',
      steps: [step({
        env: { HERALD_SEED: '42', HERALD_CRASH_CYCLES: '1000' }, seedsPrinted: [42],
        diagnostics: ['crash test seed 42 (replay with HERALD_SEED=42)', 'crash test: 1000 kills, 1012345 events stored'],
        rss: { peakTreeMb: 310.5, peakProcessMb: 120.25, slopeMbPer10Min: 0.4, samples: 490 },
      })],
    }),
    phase({
      name: 'r13-slow-consumer', row: 'R13', heavy: false, title: 'slow consumer', size: { HERALD_R13_SECONDS: 3600 },
      sizeText: '3,600 s of slow consumer', durationMs: 3_900_000, result: 'fail',
      reason: 'RSS slope 2.50 MB per 10 min ≥ 1 (the soak\'s rule)', figures: { rssSlopeMbPer10Min: 2.5, peakRssMb: 140 },
      steps: [step({ diagnostics: ['rss slope 0.25 MB/min | peak 140 MB'] })],
    }),
    phase({
      name: 'r11-jetstream', row: 'R11', title: 'JetStream cluster', size: { HERALD_R11_SECONDS: 1800 }, scaled: false,
      sizeText: 'the test\'s own size (HERALD_R11_SECONDS is not read)', durationMs: 70_000,
      result: 'fail', reason: 'all: exit 1, 1 failed, 0 cancelled',
      warnings: ['HERALD_R11_SECONDS not read: ran at the test\'s own (CI) size, not the soak size'],
      steps: [step({
        counts: { tests: 2, pass: 1, fail: 1, cancelled: 0, skipped: 0, todo: 0 }, exitCode: 1,
        subtests: [{ name: 'loses nothing', depth: 1, ok: false, error: 'acked event 7 lost' }],
      })],
    }),
    phase({
      name: 'r3-consumer-kills', row: 'R3', title: 'consumer kills', size: { HERALD_R3_KILLS: 200 }, sizeText: '200 consumer kills',
      result: 'not-available', reason: 'no compiled test file matches test/reliability/consumer-kill*.test.js',
    }),
  ],
};
