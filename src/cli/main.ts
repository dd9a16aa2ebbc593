#!/usr/bin/env node
import { readFileSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { HeraldError } from '../core/errors.js';
import { registerBench } from './bench.js';
import { Ctx, DEFAULT_DB, resolveTarget, type CliDeps, type CliIO, type TargetFlags } from './context.js';
import { registerDlq } from './dlq.js';
import { registerGroups } from './groups.js';
import { registerKeys } from './keys.js';
import { clean, oneLine, redact } from './output.js';
import { registerPublish } from './publish.js';
import { registerReplay } from './replay.js';
import { registerServe } from './serve.js';
import { registerTail } from './tail.js';
import { registerTopics } from './topics.js';
import { registerWorkflows } from './workflows.js';
import { registerTrace } from './trace.js';
import { registerSchema } from './schema.js';
import { registerCatalog } from './catalog.js';

export type { CliDeps, CliIO, OpenLog, OpenLogOptions, Out } from './context.js';

/** Exit codes: 0 done, 1 failed (a HeraldError or I/O error), 2 bad usage, 130 interrupted. */
export const EXIT = { ok: 0, failed: 1, usage: 2, interrupted: 130 } as const;

function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

function report(error: unknown, io: CliIO): number {
  // Commander has already printed its message (usage errors) or the help/version (exit code 0),
  // which it reports as a new CommanderError. An InvalidArgumentError itself was thrown by a verb's action.
  if (error instanceof InvalidArgumentError) {
    io.stderr.write(`error: ${oneLine(error.message)}\n`);
    return EXIT.usage;
  }
  if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  const message = error instanceof Error ? error.message : String(error);
  io.stderr.write(error instanceof HeraldError ? `error ${error.code}: ${oneLine(message)}\n` : `error: ${oneLine(message)}\n`);
  if (io.env?.HERALD_DEBUG === '1' && error instanceof Error && error.stack) io.stderr.write(`${redact(error.stack).split('\n').map(clean).join('\n')}\n`);
  return EXIT.failed;
}

/** Builds the `herald` program; every verb opens the log when it runs and closes it when done. */
export function buildProgram(io: CliIO, deps: CliDeps = {}): { program: Command; ctx: Ctx } {
  const program = new Command('herald');
  const ctx = new Ctx(io, deps, () => resolveTarget(program.opts<TargetFlags>(), io.env ?? {}));
  program
    .description('herald: publish, read, replay and administer the topics of an embedded herald database or a herald server')
    .version(version(), '-V, --version')
    .option('--db <path>', `the database file (default: $HERALD_DB, else ${DEFAULT_DB})`)
    .option('--url <url>', 'work against a herald server instead (default: $HERALD_URL)')
    .option('--key-file <path>', 'the API key or token for --url, read from a file (default: $HERALD_KEY_FILE, else the key in $HERALD_KEY)')
    .exitOverride()
    .configureOutput({ writeOut: (s) => void io.stdout.write(s), writeErr: (s) => void io.stderr.write(s) })
    .showHelpAfterError('(add --help for usage)')
    .addHelpText('after', `
Exit codes: 0 ok, 1 failed (prints "error HERALD_E_<CODE>: <message>"), 2 bad usage, 130 interrupted.
Set HERALD_DEBUG=1 to print stack traces.

Examples:
  $ herald --db ./data/herald.db topics
  $ herald publish orders --type order.placed --data '{"orderId":"o-1"}'
  $ herald tail orders --follow
  $ HERALD_KEY=hk_... herald --url https://herald.internal:8080 groups orders`);
  registerPublish(program, ctx);
  registerTail(program, ctx);
  registerReplay(program, ctx);
  registerTopics(program, ctx);
  registerWorkflows(program, ctx);
  registerGroups(program, ctx);
  registerDlq(program, ctx);
  registerBench(program, ctx);
  registerServe(program, ctx);
  registerKeys(program, ctx);
  registerTrace(program, ctx);
  registerSchema(program, ctx);
  registerCatalog(program, ctx);
  return { program, ctx };
}

/**
 * Runs the CLI in-process: `argv` are the arguments after `herald`. Resolves to the exit code;
 * never calls process.exit, never reads process.env (pass `io.env`).
 */
export async function run(argv: readonly string[], io: CliIO, deps: CliDeps = {}): Promise<number> {
  const { program, ctx } = buildProgram(io, deps);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return ctx.exitCode;
  } catch (error) {
    return report(error, io);
  } finally {
    io.onInterruptible?.(false);
  }
}

/** The `herald` process: real stdio and environment, Ctrl-C handling; sets process.exitCode. */
export async function main(argv: readonly string[] = process.argv.slice(2), deps: CliDeps = {}): Promise<void> {
  const controller = new AbortController();
  let handled = false;
  // The first Ctrl-C stops a command that handles it (tail --follow, replay) cleanly; otherwise, or on a second one, exit now.
  process.on('SIGINT', () => {
    if (handled && !controller.signal.aborted) controller.abort();
    else process.exit(EXIT.interrupted);
  });
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(EXIT.ok); // e.g. `herald tail orders | head`
    throw error;
  });
  process.exitCode = await run(argv, {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    signal: controller.signal,
    onInterruptible: (on) => { handled = on; },
  }, deps);
}

function isEntryPoint(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) await main();
