import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseFigures, slopePer10MinMb } from './figures.js';
import { judge } from './phase.js';
import { TapParser } from './tap.js';
import type { PhaseRecord, StepRecord } from './types.js';

/** What `node --test --test-reporter=tap` (Node 20) prints for a small file. */
const TAP = `TAP version 13
# crash test seed 893347403 (replay with HERALD_SEED=893347403)
# Subtest: suite
    # Subtest: one
    ok 1 - one
      ---
      duration_ms: 0.89
      ...
    # 0 lost, 3 duplicates, 1,500 random requests
    # Subtest: left out
    ok 2 - left out # SKIP test name does not match pattern
      ---
      duration_ms: 0.01
      ...
    # Subtest: two
    ok 2 - two \\# 2 # SKIP no server
      ---
      duration_ms: 0.14
      ...
    1..2
ok 1 - suite
  ---
  duration_ms: 2.31
  type: 'suite'
  ...
# Subtest: fails
not ok 2 - fails
  ---
  duration_ms: 0.32
  failureType: 'testCodeFailure'
  error: |-
    boom
    line2
  code: 'ERR_TEST_FAILURE'
  ...
1..2
# tests 3
# suites 1
# pass 1
# fail 1
# cancelled 0
# skipped 1
# todo 0
# duration_ms 180.07`;

function parse(text: string): ReturnType<TapParser['summary']> {
  const p = new TapParser();
  for (const line of text.split('\n')) p.line(line);
  return p.summary();
}

describe('TAP parsing and figures', () => {
  it('reads counts, subtests with skip and errors, diagnostics and printed seeds', () => {
    const s = parse(TAP);
    assert.deepEqual(s.counts, { tests: 3, pass: 1, fail: 1, cancelled: 0, skipped: 1, todo: 0 });
    assert.deepEqual(s.subtests.map((t) => [t.name, t.depth, t.ok, t.skip]), [
      ['one', 1, true, undefined], ['two # 2', 1, true, 'no server'], ['suite', 0, true, undefined], ['fails', 0, false, undefined],
    ]);
    assert.equal(s.subtests[3]!.error, 'boom\nline2');
    assert.equal(s.subtests[0]!.durationMs, 0.89);
    assert.deepEqual(s.diagnostics, ['crash test seed 893347403 (replay with HERALD_SEED=893347403)', '0 lost, 3 duplicates, 1,500 random requests']);
    assert.deepEqual(s.seedsPrinted, [893347403]);
  });

  it('keeps only the first and last diagnostics of a long run', () => {
    const p = new TapParser();
    for (let i = 0; i < 10_000; i++) p.line(`# line ${i}`);
    const s = p.summary();
    assert.equal(s.diagnostics.length, 400);
    assert.equal(s.diagnostics[0], 'line 0');
    assert.equal(s.diagnostics.at(-1), 'line 9999');
    assert.equal(s.diagnosticsDropped, 9_600);
  });

  it('parses key figures from prose, the worst value winning', () => {
    assert.deepEqual(parseFigures([
      'crash test: 1000 kills, 7812 events stored, 7597 acked appends checked',
      '0 lost, 0 duplicates', 'second pass: 2 lost', 'inputs: 1000000',
      'RSS slope 0.05 MB/min, peak RSS 141.5 MB', 'slope 200 KB per min',
    ]), { kills: 1000, events: 7812, lost: 2, duplicates: 0, inputs: 1_000_000, rssSlopeMbPer10Min: 1.953125, peakRssMb: 141.5 });
    assert.deepEqual(parseFigures(['R12: 20000 events in 1300 transactions; {"lost":0,"duplicate":1,"skip":0,"acked":20000}',
      'baseline 80.1 MB, peak 95.0 MB (+14.9 MB), late slope -0.3 MB/min over 40 samples']),
    { events: 20_000, lost: 0, duplicates: 1, rssSlopeMbPer10Min: -3, peakRssMb: 95 });
    assert.equal(slopePer10MinMb(1, 'MB', 'h'), 10 / 60);
    assert.equal(slopePer10MinMb(1024, 'bytes', 's'), (1024 / 1_048_576) * 600);
    assert.equal(slopePer10MinMb(0.5, 'MiB', '10 min'), 0.5);
  });

  it('judges a phase: failures, all-skipped, nothing run, and the R13 slope rule', () => {
    const step = (counts: Partial<StepRecord['counts']>, exitCode = 0): StepRecord => ({
      label: 's', command: [], env: {}, startedAt: '', endedAt: '', durationMs: 0, exitCode, signal: null, timedOut: false,
      counts: { tests: 0, pass: 0, fail: 0, cancelled: 0, skipped: 0, todo: 0, ...counts },
      subtests: [{ name: 't', depth: 0, ok: true, skip: 'PostgreSQL is not running' }], diagnostics: [], diagnosticsDropped: 0, seedsPrinted: [],
    });
    const phase = (steps: StepRecord[], row = 'R2', slope?: number): PhaseRecord => ({
      name: 'p', row, title: '', heavy: true, size: {}, sizeText: '', scaled: true, seed: 1, result: 'planned', warnings: [],
      estimateSec: 1, steps, figures: slope === undefined ? {} : { rssSlopeMbPer10Min: slope },
    });
    const judged = (p: PhaseRecord, aborted = false): PhaseRecord => { judge(p, aborted); return p; };
    assert.equal(judged(phase([step({ pass: 3 })])).result, 'pass');
    assert.equal(judged(phase([step({ pass: 3 }), step({ pass: 1, fail: 1 }, 1)])).result, 'fail');
    assert.equal(judged(phase([step({ pass: 3 }, 1)])).result, 'fail', 'a non-zero exit fails even with no failed test');
    assert.equal(judged(phase([step({ pass: 3 })]), true).result, 'fail', 'an interrupted phase is not a pass');
    const skipped = judged(phase([step({ skipped: 2 })]));
    assert.equal(skipped.result, 'skipped');
    assert.match(skipped.reason ?? '', /PostgreSQL is not running/);
    assert.equal(judged(phase([step({})])).result, 'fail', 'nothing ran');
    assert.equal(judged(phase([step({ pass: 1 })], 'R13', 0.4)).result, 'pass');
    assert.equal(judged(phase([step({ pass: 1 })], 'R13', 1.2)).result, 'fail');
    const unchecked = judged(phase([step({ pass: 1 })], 'R13'));
    assert.equal(unchecked.result, 'pass');
    assert.match(unchecked.warnings.join(), /unchecked/);
  });
});
