import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { describe, it } from 'node:test';
import { fixtureRun } from './fixture.js';
import { keyFigures, renderReport } from './report.js';
import { reportedResults, writeResult } from './results.js';
import type { SoakRun } from './types.js';

const row = (md: string, phase: string): string => md.split('\n').find((l) => l.startsWith(`| ${phase} |`)) ?? '';

describe('soak report (docs/soak.md) from a record', () => {
  const md = renderReport(fixtureRun, 'soak/results/2026-12-06-linux-x64-2cpu.json');

  it('states the source record, the overall result, the scale and the reproducing command', () => {
    assert.match(md, /from soak\/results\/2026-12-06-linux-x64-2cpu\.json/);
    assert.match(md, /\*\*Result: fail\*\* — 1 passed, 2 failed, 0 skipped, 1 not available \(of 4 phases\)/);
    assert.match(md, /\*\*Scale:\*\* 1 \(the plan's sizes\); concurrency 2; seed 42/);
    assert.match(md, /\*\*Reproduce:\*\* `npm run soak -- --scale 1 --seed 42`/);
    assert.match(md, /`linux-x64-2cpu`/);
    assert.doesNotMatch(md, /Reduced-size run/);
  });

  it('has one table row per phase with size, duration, result and key figures', () => {
    assert.equal(row(md, 'r2-kills'), '| r2-kills | R2 | 1,000 kills | 41 min 07 s | pass | ' +
      '1,000 kills survived; 1,012,345 events; 0 acked events lost (asserted); 0 duplicates (asserted); peak RSS (tree) 310.5 MB |');
    assert.match(row(md, 'r13-slow-consumer'), /\| fail \| RSS slope 2\.50 MB\/10 min; peak RSS 140 MB \|$/);
    assert.match(row(md, 'r3-consumer-kills'), /\| — \| not available \| no compiled test file matches/);
  });

  it('never shows an unscaled run as a plain pass, and shows failures with their error', () => {
    assert.match(row(md, 'r11-jetstream'), /the test's own size.*\| fail \| all: exit 1, 1 failed/);
    assert.match(md, /Warning: HERALD_R11_SECONDS not read/);
    assert.match(md, /Failed: loses nothing\n\n {2}```\n {2}acked event 7 lost/);
    const unscaledPass: SoakRun = { ...fixtureRun, phases: [{ ...fixtureRun.phases[2]!, result: 'pass', steps: [] }] };
    assert.match(row(renderReport(unscaledPass, 'x.json'), 'r11-jetstream'), /\| pass \(at the test's own size\) \|/);
  });

  it('escapes table cells and prints each step\'s command with its environment', () => {
    assert.ok(md.includes('rss slope 0.25 MB/min | peak 140 MB'), 'diagnostics are quoted verbatim in code blocks');
    assert.ok(!md.split('\n').filter((l) => l.startsWith('| ')).some((l) => l.split(/(?<!\\)\|/).length !== 8), 'every row has 6 cells');
    assert.match(md, / {2}HERALD_SEED=42 HERALD_CRASH_CYCLES=1000 node --test --test-reporter=tap dist\/test\/x\.test\.js/);
    assert.match(md, /Seed: 42 \(printed by the test: 42\)/);
  });

  it('marks a reduced-size or partial run plainly', () => {
    const small = renderReport({ ...fixtureRun, scale: 0.01, only: ['r2-kills'] }, 'x.json');
    assert.match(small, /Reduced-size run \(scale 0\.01\)\.\*\* .*not the soak the reliability plan specifies/);
    assert.match(small, /Partial run:\*\* only r2-kills/);
  });

  it('says "kills", not "kills survived", for a phase that failed', () => {
    const failed = { ...fixtureRun.phases[0]!, result: 'fail' as const, assertedFigures: [], figures: { kills: 12 } };
    assert.equal(keyFigures(failed), '12 kills; peak RSS (tree) 310.5 MB');
  });

  it('shows a repeated phase\'s first runs and every failed one, and summarises the rest', () => {
    const base = fixtureRun.phases[0]!;
    const runs = Array.from({ length: 6 }, (_, i) => ({ ...base.steps[0]!, label: `all #${i + 1}`, exitCode: i === 4 ? 1 : 0 }));
    const repeated = renderReport({ ...fixtureRun, phases: [{ ...base, steps: runs, figures: { runs: 6 } }] }, 'x.json');
    assert.deepEqual([...repeated.matchAll(/- Step `(all #\d)`/g)].map((m) => m[1]), ['all #1', 'all #2', 'all #5']);
    assert.match(repeated, /… 3 more runs \(all #3 to all #6\), 3 tests passed, 2 h 03 min in total/);
    assert.match(row(repeated, 'r2-kills'), /\| 6 runs/);
  });

  it('shows a later partial run as a re-run under the main run, which stays as it was', () => {
    const fixed = { ...fixtureRun.phases[1]!, result: 'pass' as const, figures: { rssSlopeMbPer10Min: 0.2 } };
    const rerun: SoakRun = { ...fixtureRun, startedAt: '2026-12-07T03:00:00.000Z', only: [fixed.name], commit: 'abc123', result: 'pass', phases: [fixed] };
    const both = renderReport(fixtureRun, 'main.json', [{ run: rerun, source: 'rerun.json' }]);
    assert.match(both, /Re-run after a fix:\*\* r13-slow-consumer \(pass\)/);
    assert.match(row(both, 'r13-slow-consumer'), /\| fail \|/, 'the main table keeps the first result');
    assert.match(both, /## Re-runs\n\n.*\n\n### 2026-12-07 03:00 UTC: r13-slow-consumer\n\n- \*\*Result: pass\*\*.*commit abc123.*record `rerun\.json`/);
    assert.match(both, /#### r13-slow-consumer \(R13\)/);
  });
});

describe('soak records on disk', () => {
  it('a partial run and a second run of a day get files of their own', () => {
    const dir = mkdtempSync(join(tmpdir(), 'soak-results-'));
    try {
      const full = { ...fixtureRun, startedAt: '2026-12-07T01:00:00.000Z' };
      const partial = { ...fixtureRun, startedAt: '2026-12-07T02:00:00.000Z', only: ['r13-slow-consumer'] };
      const again = { ...fixtureRun, startedAt: '2026-12-07T05:30:00.000Z' };
      const paths = [full, partial, again].map((r) => writeResult(dir, r));
      assert.deepEqual(paths.map((p) => basename(p)), [
        '2026-12-07-linux-x64-2cpu.json', '2026-12-07-linux-x64-2cpu-r13-slow-consumer.json', '2026-12-07-linux-x64-2cpu-0530.json',
      ]);
      const found = reportedResults(dir)!;
      assert.equal(found.main.run.startedAt, again.startedAt, 'the newest full run is the main one');
      assert.deepEqual(found.reruns, [], 'a partial run before it is not a re-run of it');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
