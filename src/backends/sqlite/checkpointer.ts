import { Worker } from 'node:worker_threads';
import { HeraldError } from '../../core/errors.js';
import type { CheckpointReply, CheckpointRequest } from './checkpoint-worker.js';
import { fromSqlite } from './errors.js';

export type CheckpointResult = NonNullable<CheckpointReply['result']>;

/**
 * The main thread's handle on the checkpoint worker. The worker starts on the first checkpoint (a
 * short-lived process that only reads never pays for it) and keeps the process alive only while a
 * checkpoint is running.
 */
export class Checkpointer {
  private worker: Worker | undefined;
  private exited: Promise<void> | undefined;
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (r: CheckpointResult) => void; reject: (e: unknown) => void }>();
  private readonly running = new Set<Promise<CheckpointResult>>();
  private closed = false;

  constructor(private readonly path: string, private readonly busyTimeoutMs: number) {}

  get busy(): boolean {
    return this.pending.size > 0;
  }

  run(mode: CheckpointRequest['mode']): Promise<CheckpointResult> {
    if (this.closed) return Promise.reject(new HeraldError('HERALD_E_CLOSED', 'the log is closed'));
    const worker = this.start();
    const id = ++this.nextId;
    const done = new Promise<CheckpointResult>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.ref();
      worker.postMessage({ id, mode } satisfies CheckpointRequest);
    });
    this.running.add(done);
    const forget = (): void => { this.running.delete(done); };
    done.then(forget, forget);
    return done;
  }

  /** Lets running checkpoints finish, then stops the worker. */
  async close(): Promise<void> {
    if (this.closed) return this.exited;
    this.closed = true;
    await Promise.allSettled([...this.running]);
    const worker = this.worker;
    if (!worker) return;
    worker.ref();
    worker.postMessage('close');
    await this.exited;
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(new URL('./checkpoint-worker.js', import.meta.url), {
      workerData: { path: this.path, busyTimeoutMs: this.busyTimeoutMs },
    });
    worker.unref();
    worker.on('message', (reply: CheckpointReply) => {
      const p = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      if (this.pending.size === 0 && !this.closed) worker.unref();
      if (!p) return;
      if (reply.error) p.reject(fromSqlite(Object.assign(new Error(reply.error.message), { code: reply.error.code }), 'checkpoint'));
      else p.resolve(reply.result ?? { busy: 0, log: 0, checkpointed: 0 });
    });
    worker.on('error', (error) => this.failAll(fromSqlite(error, 'checkpoint worker')));
    this.exited = new Promise((resolve) => worker.once('exit', () => {
      this.failAll(new HeraldError('HERALD_E_CLOSED', 'the checkpoint worker stopped'));
      this.worker = undefined;
      resolve();
    }));
    this.worker = worker;
    return worker;
  }

  private failAll(error: unknown): void {
    const all = [...this.pending.values()];
    this.pending.clear();
    all.forEach((p) => p.reject(error));
  }
}
