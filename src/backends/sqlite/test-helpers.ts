/** Shared by the sqlite backend's tests (not part of the public API). */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Clock } from '../../core/clock.js';
import type { CloudEvent } from '../../core/envelope.js';
import { MemoryLog } from '../../log/memory/index.js';
import type { EventLog, StoredEvent } from '../../log/types.js';
import { SqliteLog } from './sqlite-log.js';
import type { SqliteLogOptions } from './options.js';

export class FakeClock implements Clock {
  constructor(public t = 1_700_000_000_000) {}
  now(): number {
    return this.t;
  }
  advance(ms: number): void {
    this.t += ms;
  }
}

export interface TempDir {
  dir: string;
  file: string;
  remove: () => void;
}

export function tempDir(): TempDir {
  const dir = mkdtempSync(join(tmpdir(), 'herald-sqlite-'));
  return { dir, file: join(dir, 'herald.db'), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A temp directory and a log on it; `done` closes the log and removes the directory. */
export function openTemp(options: Partial<SqliteLogOptions> = {}): { log: SqliteLog; clock: FakeClock; tmp: TempDir; done: () => Promise<void> } {
  const tmp = tempDir();
  const clock = new FakeClock();
  const log = new SqliteLog({ path: tmp.file, clock, ...options });
  return { log, clock, tmp, done: async () => { await log.close(); tmp.remove(); } };
}

export const BACKENDS = ['sqlite', 'memory'] as const;

/** The same scenario against this backend and the reference MemoryLog, to prove they agree. */
export function openLog(backend: (typeof BACKENDS)[number]): { log: EventLog; clock: FakeClock; done: () => Promise<void> } {
  if (backend === 'sqlite') return openTemp();
  const clock = new FakeClock();
  const log = new MemoryLog({ clock });
  return { log, clock, done: () => log.close() };
}

let n = 0;

/** A minimal valid event; `id` defaults to a fresh one. */
export function ev(extra: Partial<CloudEvent> = {}): CloudEvent {
  n++;
  return { specversion: '1.0', id: `ev-${process.pid}-${n}`, source: 'urn:test', type: 'test.event', data: { n }, ...extra };
}

export async function collect<T = StoredEvent>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const e of iterable) out.push(e);
  return out;
}

/** Runs an ES module script in a child node; resolves with its stdout (also when it SIGKILLs itself). */
export function runNode(script: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    child.on('exit', (code, signal) => (code === 0 || signal === 'SIGKILL' ? resolve(out) : reject(new Error(`child exited ${code}: ${err}`))));
  });
}
