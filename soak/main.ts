/**
 * `npm run soak`: the reliability soak (RELIABILITY.md, "Optional soak"). Runs the compiled fault
 * tests at soak sizes, one phase per row, records everything in soak/results/<date>-<host>.json
 * and regenerates docs/soak.md from the newest record.
 *
 *   npm run soak                              # the plan's sizes, ~2.5 h on 2 cores
 *   npm run soak -- --scale 0.01              # a quick check of the runner itself
 *   npm run soak -- --only r2-kills,r1-seeds --seed 42
 *   npm run soak -- --dry-run                 # the plan: phases, files, sizes, estimates
 *   npm run soak -- --report-only             # docs/soak.md from the newest record
 *
 * Exit code: 0 every phase passed, 1 a phase failed, 2 none failed but some did not run
 * (not available or skipped).
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { humanDuration } from './format.js';
import { planPhase, runPhase, type PhaseContext } from './phase.js';
import { PHASES } from './plan.js';
import { createProgress } from './progress.js';
import { renderReport } from './report.js';
import { findRepoRoot, hostLabel, reportedResults, writeResult } from './results.js';
import { schedule } from './schedule.js';
import type { PhaseRecord, SoakRun } from './types.js';

interface Options {
  scale: number;
  only?: string[];
  concurrency: number;
  seed?: number;
  dryRun?: boolean;
  reportOnly?: boolean;
  results: string;
  docs: string;
}

const positive = (name: string) => (value: string): number => {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${name} must be a positive number`);
  return n;
};

function parseOnly(value: string): string[] {
  const names = value.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = names.filter((n) => !PHASES.some((p) => p.name === n));
  if (unknown.length > 0) throw new InvalidArgumentError(`unknown phase ${unknown.join(', ')} (phases: ${PHASES.map((p) => p.name).join(', ')})`);
  return names;
}

/** The build root holding the compiled tests: this file is <root>/soak/main.js. */
const buildRoot = dirname(import.meta.dirname);
const repoRoot = findRepoRoot(buildRoot);

const program = new Command('soak')
  .description('Run the reliability soak: the fault tests at soak sizes, recorded in soak/results/ and docs/soak.md')
  .option('--scale <f>', 'multiply every size (counts and durations)', positive('--scale'), 1)
  .option('--only <phases>', `comma-separated phases: ${PHASES.map((p) => p.name).join(', ')}`, parseOnly)
  .option('--concurrency <n>', 'phases at once (never two CPU-heavy ones)', (v) => Math.floor(positive('--concurrency')(v)), 2)
  .option('--seed <n>', 'HERALD_SEED for every phase (default: a fresh one, recorded)', (v) => Math.floor(positive('--seed')(v)))
  .option('--dry-run', 'print the plan and exit')
  .option('--report-only', 'regenerate the markdown report from the newest full record (and later partial ones) and exit')
  .option('--results <dir>', 'where the JSON records go', join(repoRoot, 'soak', 'results'))
  .option('--docs <file>', 'the generated markdown report', join(repoRoot, 'docs', 'soak.md'))
  .parse();

const options = program.opts<Options>();
process.exitCode = await main(options);

async function main(o: Options): Promise<number> {
  if (o.reportOnly) return writeReport(o) ? 0 : 1;
  const seed = o.seed ?? 1 + Math.floor(Math.random() * (2 ** 31 - 2));
  const specs = PHASES.filter((p) => !o.only || o.only.includes(p.name));
  const ctx: PhaseContext = { buildRoot, repoRoot, scale: o.scale, seed };
  if (o.dryRun) {
    printPlan(specs.map((s) => planPhase(s, ctx)), o, seed);
    return 0;
  }
  const progress = createProgress(process.stdout.isTTY);
  ctx.onDiagnostic = (phase, line) => progress.diagnostic(phase, line);
  const abort = new AbortController();
  const onSignal = (): void => { progress.log('interrupted: stopping the running phases'); abort.abort(); };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const started = new Date();
  const commit = buildCommit(repoRoot);
  progress.log(`soak: ${specs.length} phases, scale ${o.scale}, concurrency ${o.concurrency}, seed ${seed}`);
  const phases = await schedule(specs.map((spec) => ({
    heavy: spec.heavy,
    run: async (): Promise<PhaseRecord> => {
      if (abort.signal.aborted) return { ...planPhase(spec, ctx).record, result: 'fail', reason: 'interrupted before it started' };
      const planned = planPhase(spec, ctx).record;
      if (planned.result === 'not-available') {
        progress.log(`${spec.name}: not available (${planned.reason ?? ''})`);
        return planned;
      }
      progress.start(spec.name, planned.estimateSec);
      const record = await runPhase(spec, ctx, abort.signal);
      progress.end(spec.name, `${record.result}${record.reason ? ` (${record.reason})` : ''} in ${humanDuration(record.durationMs ?? 0)}`);
      return record;
    },
  })), o.concurrency);
  progress.stop();
  const ended = new Date();
  const run: SoakRun = {
    version: 1, host: hostLabel(), node: process.version, cpus: cpus().length,
    startedAt: started.toISOString(), endedAt: ended.toISOString(), durationMs: ended.getTime() - started.getTime(),
    scale: o.scale, concurrency: o.concurrency, seed, reproduce: reproduceCommand(o, seed),
    result: phases.some((p) => p.result === 'fail') ? 'fail' : phases.every((p) => p.result === 'pass') ? 'pass' : 'incomplete',
    phases,
  };
  if (o.only) run.only = o.only;
  if (commit) run.commit = commit;
  const path = writeResult(o.results, run);
  console.log(`record: ${relative(repoRoot, path)}`);
  writeReport(o);
  for (const p of phases) console.log(`  ${p.name.padEnd(18)} ${p.result.padEnd(13)} ${p.sizeText}`);
  console.log(`soak ${run.result} in ${humanDuration(run.durationMs)}`);
  return run.result === 'pass' ? 0 : run.result === 'fail' ? 1 : 2;
}

function writeReport(o: Options): boolean {
  const found = reportedResults(o.results);
  if (!found) {
    console.error(`no soak record in ${o.results}`);
    return false;
  }
  const { main, reruns } = found;
  writeFileSync(o.docs, renderReport(main.run, relative(repoRoot, main.path), reruns.map((r) => ({ run: r.run, source: relative(repoRoot, r.path) }))));
  console.log(`report: ${relative(repoRoot, o.docs)} (from ${[main, ...reruns].map((r) => relative(repoRoot, r.path)).join(', ')})`);
  return true;
}

function reproduceCommand(o: Options, seed: number): string {
  const args = [`--scale ${o.scale}`, `--seed ${seed}`];
  if (o.only) args.push(`--only ${o.only.join(',')}`);
  if (o.concurrency !== 2) args.push(`--concurrency ${o.concurrency}`);
  return `npm run soak -- ${args.join(' ')}`;
}

function printPlan(planned: ReturnType<typeof planPhase>[], o: Options, seed: number): void {
  console.log(`soak plan: scale ${o.scale}, concurrency ${o.concurrency}, seed ${seed}, build root ${relative(repoRoot, buildRoot) || '.'}`);
  let heavy = 0;
  let light = 0;
  for (const { record, steps } of planned) {
    console.log(`\n${record.name} (${record.row}, ${record.heavy ? 'heavy' : 'light'}): ${record.title}`);
    console.log(`  size: ${record.sizeText}; estimate ${humanDuration(record.estimateSec * 1000)}`);
    if (record.result === 'not-available') { console.log(`  NOT AVAILABLE: ${record.reason ?? ''}`); continue; }
    for (const w of record.warnings) console.log(`  warning: ${w}`);
    if (record.seedsCovered) console.log(`  seeds: ${record.seedsCovered}`);
    for (const s of steps) {
      const env = Object.entries(s.env).map(([k, v]) => `${k}=${v}`).join(' ');
      const files = s.files.map((f) => relative(repoRoot, join(buildRoot, f)));
      console.log(`  ${env} node --test ${s.args.join(' ')} ${files.join(' ')}`.replace(/ +/g, ' '));
    }
    if (record.heavy) heavy += record.estimateSec; else light += record.estimateSec;
  }
  const wall = o.concurrency > 1 ? Math.max(heavy, light) : heavy + light;
  console.log(`\nestimated wall time: ~${humanDuration(wall * 1000)} (heavy phases in series ${humanDuration(heavy * 1000)}, light beside them ${humanDuration(light * 1000)})`);
}

/** HEAD of the repository the build came from, `+changes` if its tree differs; undefined outside git. */
function buildCommit(root: string): string | undefined {
  const git = (...args: string[]): string => execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  try {
    const head = git('rev-parse', '--short=12', 'HEAD');
    return git('status', '--porcelain', '--untracked-files=no').length > 0 ? `${head}+changes` : head;
  } catch {
    return undefined;
  }
}
