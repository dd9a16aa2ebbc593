import { spawn, type ChildProcess } from 'node:child_process';

/**
 * A fixed number of worker slots, each running `node <script> ...args`; R3 SIGKILLs one and starts
 * a fresh process in its slot. Every line any worker wrote to stdout is kept (a killed worker's
 * lines included: each was written before the ack it reports on), split into fields.
 */
export class Workers {
  kills = 0;
  restarts = 0;
  private readonly slots: (ChildProcess | undefined)[] = [];
  private readonly all: ChildProcess[] = [];
  private readonly byTag = new Map<string, string[][]>();
  private readonly errors: string[] = [];
  /** Workers that ended other than by our SIGKILL (the test asserts there are none). */
  readonly crashes: string[] = [];

  constructor(private readonly script: string, private readonly args: readonly string[]) {}

  async startAll(count: number): Promise<void> {
    await Promise.all(Array.from({ length: count }, (_, slot) => this.start(slot)));
  }

  /** Lines that started with `tag`, each split into the fields after it. */
  lines(tag: string): string[][] {
    return this.byTag.get(tag) ?? [];
  }

  /** The slot whose worker now runs as process `pid`, if any. */
  slotOf(pid: number): number | undefined {
    const slot = this.slots.findIndex((c) => c?.pid === pid && c.exitCode === null && c.signalCode === null);
    return slot < 0 ? undefined : slot;
  }

  /** SIGKILL the worker in `slot` (by PID: only processes started here), then start another there. */
  async killAndRestart(slot: number): Promise<void> {
    const child = this.slots[slot];
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      this.kills++;
      await exited;
    }
    this.restarts++;
    void this.start(slot);
  }

  /** SIGKILL every worker still running. */
  stopAll(): void {
    for (const child of this.all) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }

  /** Resolves once the worker printed READY (or ended). */
  private start(slot: number): Promise<void> {
    const child = spawn(process.execPath, [this.script, ...this.args], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.slots[slot] = child;
    this.all.push(child);
    let partial = '';
    return new Promise((resolve) => {
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        const text = partial + chunk;
        const lines = text.split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) {
          const [tag, ...fields] = line.split(' ');
          if (tag === 'READY') resolve();
          else if (tag) {
            const list = this.byTag.get(tag);
            if (list) list.push(fields);
            else this.byTag.set(tag, [fields]);
          }
        }
      });
      child.stderr.setEncoding('utf8').on('data', (d: string) => { this.errors.push(d); });
      child.on('exit', (code, signal) => {
        resolve();
        if (signal !== 'SIGKILL') this.crashes.push(`worker ${slot} exited on its own (${code}): ${this.errors.join('').slice(-2000)}`);
      });
    });
  }
}
