import { existsSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { HeraldError } from '../core/errors.js';
import { openHerald } from '../herald.js';
import type { EventLog } from '../log/types.js';

/** Where the CLI writes: process.stdout/stderr, or a capture in tests. */
export interface Out {
  write(chunk: string): unknown;
  isTTY?: boolean;
}

export interface CliIO {
  stdout: Out;
  stderr: Out;
  /** Lines for `publish` when neither --data nor --file is given (read only when not a TTY). */
  stdin?: NodeJS.ReadableStream & { isTTY?: boolean };
  /** HERALD_DB, HERALD_DEBUG (default: none, i.e. `run` never reads process.env itself). */
  env?: Readonly<Record<string, string | undefined>>;
  /** Aborted on SIGINT: `tail --follow` and `replay` stop cleanly. */
  signal?: AbortSignal;
  /** Told when a command starts (true) or stops (false) handling SIGINT itself via `signal`. */
  onInterruptible?: (handled: boolean) => void;
}

export interface OpenLogOptions {
  /** The --db path. */
  path: string;
  /** May the file be created (publish)? Other commands refuse a missing database. */
  create: boolean;
}

export type OpenLog = (options: OpenLogOptions) => Promise<EventLog>;

export interface CliDeps {
  /** The log factory (default: the embedded SQLite file through `openHerald`). */
  openLog?: OpenLog;
  /** How often plain (non-TTY) progress lines are printed (default 1000 ms). */
  progressIntervalMs?: number;
}

export const DEFAULT_DB = './data/herald.db';

/** The default factory: the embedded SQLite log at `path`. */
export const openEmbeddedLog: OpenLog = async ({ path, create }) => {
  if (!create && !existsSync(path)) {
    throw new HeraldError('HERALD_E_NOT_FOUND', `no herald database at ${path} (pass --db <path> or set HERALD_DB)`);
  }
  if (create) mkdirSync(dirname(resolve(path)), { recursive: true });
  const herald = await openHerald({ path });
  return herald.log;
};

/** What every verb gets: output, the log (opened per command, always closed), the interrupt signal. */
export class Ctx {
  exitCode = 0;

  constructor(
    readonly io: CliIO,
    readonly deps: CliDeps,
    private readonly dbPath: () => string,
  ) {}

  get env(): Readonly<Record<string, string | undefined>> {
    return this.io.env ?? {};
  }

  /** Opens the log named by --db / HERALD_DB, runs `work`, and closes the log whatever happens. */
  async withLog<R>(create: boolean, work: (log: EventLog) => Promise<R>): Promise<R> {
    const log = await (this.deps.openLog ?? openEmbeddedLog)({ path: this.dbPath(), create });
    try {
      return await work(log);
    } finally {
      await log.close();
    }
  }

  /** Declares that the running command stops cleanly on SIGINT; returns the signal to watch. */
  interruptible(): AbortSignal | undefined {
    this.io.onInterruptible?.(true);
    return this.io.signal;
  }

  out(line: string): void {
    this.io.stdout.write(`${line}\n`);
  }

  err(line: string): void {
    this.io.stderr.write(`${line}\n`);
  }
}
