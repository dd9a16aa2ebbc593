import { InvalidArgumentError, type Command } from 'commander';
import type * as BenchSuite from '../../bench/index.js';
import { HeraldError } from '../core/errors.js';
import { parsePosition } from './args.js';
import type { Ctx } from './context.js';

interface BenchFlags { quick?: boolean; only?: string[]; workloads?: string[]; reps?: number; out: string; json?: boolean }

type Suite = typeof BenchSuite;

function list(value: string, previous: string[] = []): string[] {
  const items = value.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  if (items.length === 0) throw new InvalidArgumentError('expected a comma-separated list');
  return [...previous, ...items];
}

/** The suite lives in bench/, which only a checkout has (the published package ships dist/src). */
async function loadSuite(): Promise<Suite> {
  try {
    return await import('../../bench/index.js');
  } catch (error) {
    throw new HeraldError('HERALD_E_UNSUPPORTED', 'herald bench runs from a checkout of the herald repository (npm ci && npm run bench); the benchmark suite is not part of the published package', { cause: error });
  }
}

async function bench(flags: BenchFlags, ctx: Ctx): Promise<void> {
  const suite = await loadSuite();
  const unknown = (flags.workloads ?? []).filter((w) => !(suite.GROUPS as readonly string[]).includes(w));
  if (unknown.length > 0) throw new HeraldError('HERALD_E_INVALID_ARGUMENT', `unknown workload ${unknown.join(', ')} (known: ${suite.GROUPS.join(', ')})`);
  try {
    suite.selectSystems(flags.only);
  } catch (error) {
    throw new HeraldError('HERALD_E_INVALID_ARGUMENT', error instanceof Error ? error.message : String(error));
  }
  const signal = ctx.interruptible();
  const { results, file } = await suite.runBench({
    mode: flags.quick ? 'quick' : 'full',
    ...(flags.only ? { only: flags.only } : {}),
    ...(flags.workloads ? { workloads: flags.workloads } : {}),
    ...(flags.reps !== undefined ? { repetitions: flags.reps } : {}),
    outDir: flags.out,
    ...(signal ? { signal } : {}),
    reporter: suite.reporter(ctx.io.stderr),
  });
  if (flags.json) ctx.out(JSON.stringify(results, null, 1));
  else ctx.out(`${suite.summary(results)}\n\nresults: ${file} (${results.durationSec} s)`);
  if (signal?.aborted) ctx.exitCode = 130;
  else if (results.errors.length > 0) ctx.exitCode = 1;
}

export function registerBench(program: Command, ctx: Ctx): void {
  program.command('bench')
    .description('benchmark herald against NATS JetStream, Redis Streams, RabbitMQ and PostgreSQL on this machine (from a checkout)')
    .option('--quick', 'the small suite: one repetition, 100k-event replay and backlog (under 2 minutes)')
    .option('--only <systems>', `comma-separated systems: herald (both rows), herald-os, nats, redis, rabbitmq, postgres`, list)
    .option('--workloads <groups>', 'comma-separated: disk, publish, consume, latency, replay, memory', list)
    .option('--reps <n>', 'repetitions of each measurement (default 3; 1 with --quick)', parsePosition)
    .option('--out <dir>', 'where the results JSON goes', 'bench/results')
    .option('--json', 'print the results JSON instead of the summary')
    .addHelpText('after', `
Servers on this machine (loopback only): PostgreSQL :5432, Redis :6379, RabbitMQ :5672, NATS :4222.
A system whose server is down is skipped with the command that starts it. For a durable figure,
Redis gets "appendonly yes" + "appendfsync always" for the run; its settings are restored after.
Progress goes to stderr (a bar on a terminal); the summary to stdout; the results to
<out>/<date>-<host>.json. \`npm run bench:report\` turns them into docs/performance.md.

Examples:
  $ herald bench --quick
  $ herald bench --only herald,nats --workloads publish,latency`)
    .action(async (flags: BenchFlags) => {
      await bench(flags, ctx);
    });
}
