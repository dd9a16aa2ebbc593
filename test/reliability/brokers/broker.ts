/**
 * A private broker process a fault test starts, kills with SIGKILL and restarts on the same port
 * and data directory. Never the system services: each launcher picks a free port and a temp dir.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export interface Broker {
  readonly name: string;
  /** The URL herald's adapter connects to. */
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  /** Starts the process and resolves once it accepts connections (and is ready for clients). */
  start(): Promise<void>;
  /** SIGKILL to the broker's whole process group; resolves when the process is gone. */
  kill9(): Promise<void>;
  /** start() again: same port, same data directory. */
  restart(): Promise<void>;
  /** Kills the process (if running) and removes the data directory. */
  stop(): Promise<void>;
}

/** A TCP port nothing listens on right now (the kernel's choice). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export function tempDir(name: string): string {
  return mkdtempSync(join(tmpdir(), `herald-${name}-`));
}

export function portOpen(port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const done = (ok: boolean): void => { socket.destroy(); resolve(ok); };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** Polls `ready` until true, or throws after `timeoutMs` with the process's last output. */
export async function waitUntil(what: string, ready: () => Promise<boolean>, timeoutMs: number, output: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await ready()) return;
    await sleep(50);
  }
  throw new Error(`${what} not ready after ${timeoutMs} ms; last output:\n${output().slice(-2000)}`);
}

/** Process groups of the brokers running now: killed if this test process ends first. */
const live = new Set<number>();
const killLive = (): void => { for (const pid of live) { try { process.kill(-pid, 'SIGKILL'); } catch { /* gone */ } } };
process.once('exit', killLive);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => { killLive(); process.exit(128 + (signal === 'SIGINT' ? 2 : 15)); });
}

/**
 * One broker process in a process group of its own (detached), so SIGKILL reaches its children
 * too (PostgreSQL's backends, Erlang's port programs), as a machine crash would.
 */
export class BrokerProcess {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private log = '';

  constructor(readonly label: string, private readonly command: string, private readonly args: readonly string[], private readonly options: SpawnOptions = {}) {}

  get output(): string { return this.log; }
  get running(): boolean { return this.child !== undefined; }

  spawn(): void {
    if (this.child) throw new Error(`${this.label} already running`);
    const child = spawn(this.command, this.args, { ...this.options, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (chunk: Buffer): void => { this.log = (this.log + chunk.toString()).slice(-20_000); };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    if (child.pid !== undefined) live.add(child.pid);
    child.once('error', (error) => { this.log += `\nspawn error: ${error.message}`; });
    this.child = child;
  }

  async kill9(): Promise<void> {
    const child = this.child;
    if (!child?.pid) return;
    this.child = undefined;
    try { process.kill(-child.pid, 'SIGKILL'); } catch { /* already gone */ }
    await this.exited;
    live.delete(child.pid);
  }

  /** Waits (up to `ms`) for a process to exit by itself, e.g. after a stop command. */
  async exit(ms: number): Promise<boolean> {
    const gone = await Promise.race([this.exited.then(() => true), sleep(ms).then(() => false)]);
    if (gone && this.child?.pid !== undefined) live.delete(this.child.pid);
    if (gone) this.child = undefined;
    return gone;
  }
}

/** A broker whose lifecycle is one process: start = spawn + wait until ready. */
export abstract class SimpleBroker implements Broker {
  abstract readonly name: string;
  abstract readonly url: string;
  protected abstract readonly process: BrokerProcess;

  constructor(readonly port: number, readonly dataDir: string) {}

  protected abstract ready(): Promise<boolean>;
  protected startTimeoutMs = 30_000;

  async start(): Promise<void> {
    this.process.spawn();
    await waitUntil(this.name, () => this.ready(), this.startTimeoutMs, () => this.process.output);
  }

  kill9(): Promise<void> { return this.process.kill9(); }

  restart(): Promise<void> { return this.start(); }

  async stop(): Promise<void> {
    await this.process.kill9();
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}
