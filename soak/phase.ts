import { join, relative } from 'node:path';
import { discover, readsEnv } from './discover.js';
import { parseFigures } from './figures.js';
import { humanDuration } from './format.js';
import { R13_MAX_SLOPE_MB_PER_10_MIN, scaled, type PhaseSpec, type StepSpec } from './plan.js';
import { runStep } from './run-step.js';
import type { PhaseRecord } from './types.js';

export interface PhaseContext {
  /** Build root holding the compiled tests (dist/ or .build/NAME/). */
  buildRoot: string;
  repoRoot: string;
  scale: number;
  seed: number;
  onDiagnostic?: (phase: string, line: string) => void;
}

/** A phase may overrun its estimate (loaded machine); beyond this it is killed and failed. */
const timeoutMs = (estimateSec: number): number => (estimateSec * 3 + 900) * 1000;

/** Resolves files, size and steps: what `--dry-run` prints and what a run starts from. */
export function planPhase(spec: PhaseSpec, ctx: PhaseContext): { record: PhaseRecord; steps: StepSpec[] } {
  const size = scaled(spec.base, ctx.scale, spec.min);
  const repeatSec = spec.repeatSec === undefined ? undefined : scaled(spec.repeatSec, ctx.scale);
  const record: PhaseRecord = {
    name: spec.name, row: spec.row, title: spec.title, heavy: spec.heavy,
    size: { [spec.knob]: size }, sizeText: spec.sizeText(size), scaled: true, seed: ctx.seed,
    result: 'planned', warnings: [], estimateSec: Math.round(spec.estimateSec(size) + (repeatSec ?? 0)), steps: [], figures: {},
  };
  if (repeatSec !== undefined) {
    record.size.repeatSeconds = repeatSec;
    record.sizeText += ` for ${humanDuration(repeatSec * 1000)}`;
  }
  if (spec.min !== undefined && spec.base * ctx.scale < spec.min) record.warnings.push(`size raised to the test's CI size, ${spec.min}`);
  if (spec.passAsserts) record.passAsserts = spec.passAsserts;
  const found = discover(ctx.buildRoot, spec.patterns);
  if (found.length === 0) {
    record.result = 'not-available';
    record.reason = `no compiled test file matches ${spec.patterns.join(' or ')}`;
    return { record, steps: [] };
  }
  // Prefer the files that read the size knob; if none does, run what exists at its own size and say so.
  const readers = spec.knobReader
    ? (readsEnv(ctx.buildRoot, spec.knobReader, spec.knob) ? found : [])
    : found.filter((f) => readsEnv(ctx.buildRoot, f, spec.knob));
  let files = readers;
  if (readers.length === 0) {
    files = found;
    record.scaled = false;
    record.sizeText = `the test's own size (${spec.knob} is not read by ${spec.knobReader ?? found.join(', ')})`;
    record.warnings.push(`${spec.knob} not read: ran at the test's own (CI) size, not the soak size`);
  } else if (readers.length < found.length && !spec.knobReader) {
    record.warnings.push(`not run (do not read ${spec.knob}): ${found.filter((f) => !readers.includes(f)).join(', ')}`);
  }
  // HERALD_TEST as `npm test` sets it; every variable the runner sets is recorded with the step.
  const steps = spec.steps(files, size, ctx.seed).map((s) => ({ ...s, env: { HERALD_TEST: '1', HERALD_SEED: String(ctx.seed), ...s.env } }));
  if (spec.seeds) record.seedsCovered = spec.seeds(size, ctx.seed);
  return { record, steps };
}

export async function runPhase(spec: PhaseSpec, ctx: PhaseContext, signal: AbortSignal): Promise<PhaseRecord> {
  const { record, steps } = planPhase(spec, ctx);
  if (record.result === 'not-available') return record;
  const started = new Date();
  record.startedAt = started.toISOString();
  const repeatMs = (record.size.repeatSeconds ?? 0) * 1000;
  for (let run = 0; ; run++) {
    // A repeated phase: the same steps with the next seed, until its time is spent or a run fails.
    const round = run === 0 ? steps : steps.map((s) => ({ ...s, label: `${s.label} #${run + 1}`, env: { ...s.env, HERALD_SEED: String(ctx.seed + run) } }));
    const before = record.steps.length;
    await runSteps(spec, ctx, record, round, signal);
    const failed = record.steps.slice(before).some((s) => s.exitCode !== 0 || s.counts.fail > 0);
    if (signal.aborted || failed || Date.now() - started.getTime() >= repeatMs) break;
  }
  if (repeatMs > 0) record.seedsCovered = `${ctx.seed}…${ctx.seed + record.steps.length / Math.max(1, steps.length) - 1}`;
  const ended = new Date();
  record.endedAt = ended.toISOString();
  record.durationMs = ended.getTime() - started.getTime();
  record.figures = parseFigures(record.steps.flatMap((s) => s.diagnostics));
  if (repeatMs > 0) {
    // Totals over the runs, not the largest run.
    record.figures.runs = record.steps.length;
    const events = record.steps.map((s) => parseFigures(s.diagnostics).events ?? 0).reduce((a, b) => a + b, 0);
    if (events > 0) record.figures.events = events;
  }
  if (spec.seeds) record.figures.seeds = record.size[spec.knob];
  judge(record, signal.aborted);
  if (record.result === 'pass') {
    const asserted = (spec.zeroOnPass ?? []).filter((k) => record.figures[k] === undefined);
    for (const k of asserted) record.figures[k] = 0;
    if (asserted.length > 0) record.assertedFigures = asserted;
  }
  return record;
}

async function runSteps(spec: PhaseSpec, ctx: PhaseContext, record: PhaseRecord, steps: StepSpec[], signal: AbortSignal): Promise<void> {
  for (const step of steps) {
    if (signal.aborted) break;
    const stepRecord = await runStep({
      label: step.label,
      files: step.files.map((f) => join(ctx.buildRoot, f)),
      shownFiles: step.files.map((f) => relative(ctx.repoRoot, join(ctx.buildRoot, f))),
      env: step.env, args: step.args, cwd: ctx.repoRoot,
      timeoutMs: timeoutMs(record.estimateSec),
      onDiagnostic: (line) => ctx.onDiagnostic?.(spec.name, line),
    }, signal);
    record.steps.push(stepRecord);
  }
}

/** pass / fail / skipped from the steps, plus the soak's own rule for R13's memory slope. */
export function judge(record: PhaseRecord, aborted: boolean): void {
  const failed = record.steps.filter((s) => s.exitCode !== 0 || s.timedOut || s.counts.fail > 0 || s.counts.cancelled > 0);
  const passed = record.steps.reduce((n, s) => n + s.counts.pass, 0);
  const skipped = record.steps.reduce((n, s) => n + s.counts.skipped, 0);
  if (aborted) {
    record.result = 'fail';
    record.reason = 'interrupted';
  } else if (failed.length > 0) {
    record.result = 'fail';
    record.reason = failed.map((s) => {
      const first = s.subtests.find((t) => !t.ok && !t.todo);
      const what = first ? `; first failure: ${first.name}${first.error ? ` (${first.error.split('\n')[0]!.slice(0, 200)})` : ''}` : '';
      return s.timedOut ? `${s.label}: killed after the phase timeout${what}`
        : `${s.label}: exit ${s.exitCode ?? s.signal}, ${s.counts.fail} failed, ${s.counts.cancelled} cancelled${what}`;
    }).join('; ');
  } else if (passed === 0) {
    record.result = skipped > 0 ? 'skipped' : 'fail';
    record.reason = skipped > 0
      ? `every test skipped: ${record.steps.flatMap((s) => s.subtests).find((t) => t.skip)?.skip ?? 'no reason given'}`
      : 'no test ran';
  } else {
    record.result = 'pass';
  }
  if (record.row === 'R13' && record.result === 'pass') {
    const slope = record.figures.rssSlopeMbPer10Min;
    if (slope === undefined) {
      record.warnings.push('the test printed no RSS slope: the soak rule (< 1 MB per 10 min) is unchecked');
    } else if (slope >= R13_MAX_SLOPE_MB_PER_10_MIN) {
      record.result = 'fail';
      record.reason = `RSS slope ${slope.toFixed(2)} MB per 10 min ≥ ${R13_MAX_SLOPE_MB_PER_10_MIN} (the soak's rule)`;
    }
  }
}
