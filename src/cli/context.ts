import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { HeraldError } from '../core/errors.js';
import { openHerald } from '../herald.js';
import type { EventLog } from '../log/types.js';
import { connectRemoteLog } from '../client/remote-log.js';
import type { HeraldServer } from '../server/server.js';

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
  /** HERALD_DB, HERALD_URL, HERALD_KEY, HERALD_KEY_FILE, HERALD_DEBUG (default: none, i.e. `run` never reads process.env itself). */
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
  /** `serve` calls this once the server listens (the `npm start` demo runs its clients from here). */
  onServing?: (server: HeraldServer, log: EventLog) => unknown;
  /** How often plain (non-TTY) progress lines are printed (default 1000 ms). */
  progressIntervalMs?: number;
}

export const DEFAULT_DB = './data/herald.db';

/** Where the verbs work: the embedded database file, or a herald server over HTTP. */
export type Target = { kind: 'embedded'; path: string } | { kind: 'remote'; url: string; key?: string };

/** The global flags that choose the target. */
export interface TargetFlags {
  db?: string;
  url?: string;
  keyFile?: string;
}

/**
 * `--url` (or HERALD_URL) selects a server; its key comes from `--key-file`, HERALD_KEY_FILE or
 * HERALD_KEY — never from an argument, which other users of the machine can read in `ps`.
 */
export function resolveTarget(flags: TargetFlags, env: Readonly<Record<string, string | undefined>>): Target {
  const url = flags.url ?? env.HERALD_URL;
  if (url === undefined || url === '') return { kind: 'embedded', path: flags.db ?? env.HERALD_DB ?? DEFAULT_DB };
  if (flags.db !== undefined) throw new HeraldError('HERALD_E_INVALID_ARGUMENT', '--db and --url exclude each other: one names a local database, the other a server', { details: { field: '--url' } });
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new HeraldError('HERALD_E_INVALID_ARGUMENT', '--url must be an http:// or https:// URL, e.g. http://127.0.0.1:8080', { details: { field: '--url' } });
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new HeraldError('HERALD_E_INVALID_ARGUMENT', '--url must be an http:// or https:// URL, e.g. http://127.0.0.1:8080', { details: { field: '--url' } });
  }
  const keyFile = flags.keyFile ?? env.HERALD_KEY_FILE;
  let key = env.HERALD_KEY;
  if (keyFile !== undefined) {
    try {
      key = readFileSync(keyFile, 'utf8').trim();
    } catch (cause) {
      throw new HeraldError('HERALD_E_INVALID_ARGUMENT', `cannot read the key file ${keyFile}`, { details: { field: '--key-file' }, cause });
    }
  }
  return { kind: 'remote', url, ...(key ? { key } : {}) };
}

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
    readonly target: () => Target,
  ) {}

  get env(): Readonly<Record<string, string | undefined>> {
    return this.io.env ?? {};
  }

  /** Opens the log named by --db / --url, runs `work`, and closes the log whatever happens. */
  async withLog<R>(create: boolean, work: (log: EventLog) => Promise<R>): Promise<R> {
    const target = this.target();
    const log = target.kind === 'remote'
      ? await connectRemoteLog({ url: target.url, ...(target.key === undefined ? {} : { key: target.key }) })
      : await (this.deps.openLog ?? openEmbeddedLog)({ path: target.path, create });
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
