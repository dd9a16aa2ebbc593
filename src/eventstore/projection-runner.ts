import { systemClock, type Clock } from '../core/clock.js';
import { toMillis, type Duration } from '../core/duration.js';
import { HeraldError, invalidArgument, isHeraldError } from '../core/errors.js';
import { backoffDelay } from '../consumer/backoff.js';
import { isPermanent } from '../consumer/failure.js';
import { assertPositiveInt } from '../log/names.js';
import { applyEvents, EventFailure, positionAfter, prepareBatch } from './projection-batch.js';
import { compileProjection, projectionContext, type Projection, type ProjectionDefinition } from './projection.js';
import { sourceReader, type SourcePage, type SourceReader } from './projection-source.js';
import { samePosition, type AnyProjectionStore, type CommitOutcome, type VersionRole } from './projection-store.js';
import { Waker } from './waker.js';
import type { ProjectionRunner, ProjectionRunnerOptions, ProjectionState, ProjectionStatus } from './projection-status.js';
import { CatchUpWaiters } from './projection-waiters.js';
import { FailureTracker } from './projection-failure.js';

/**
 * Runs a projection: catch-up from its checkpoint (zero for a new version), then live follow,
 * woken by appends in this process and polling for other processes'. Each batch of up to
 * `batchSize` events commits with its checkpoint. A failing event is retried with backoff, the
 * events before it committed; after `maxAttempts` the projection stops in `failed` at that event
 * (it never skips one). A new version builds beside the active one and switches, atomically
 * with its checkpoint, once it has caught up with the head.
 */
export function startProjection<Tx>(projection: ProjectionDefinition<Tx>, options: ProjectionRunnerOptions<Tx>): ProjectionRunner {
  return new Runner(compileProjection(projection), options);
}

class Runner<Tx> implements ProjectionRunner {
  readonly closed: Promise<void>;
  private readonly reader: SourceReader;
  private readonly store: AnyProjectionStore<Tx>;
  private readonly clock: Clock;
  private readonly batchSize: number;
  private readonly pollMs: number;
  private readonly maxAttempts: number;
  private readonly waker = new Waker();
  private readonly waiters = new CatchUpWaiters();
  private readonly failures = new FailureTracker();
  private readonly unlisten: () => void;
  private state: ProjectionState = 'starting';
  private role: VersionRole | undefined;
  private position: Record<string, number> = {};
  private applied = 0;
  private stoppedBy: ProjectionStatus['stoppedBy'];
  private stopping = false;

  constructor(private readonly projection: Projection<Tx>, private readonly options: ProjectionRunnerOptions<Tx>) {
    if (typeof options?.log?.read !== 'function') throw invalidArgument('log must be an EventLog', { field: 'log' });
    if (typeof options.store?.commit !== 'function') throw invalidArgument('store must be a ProjectionStore', { field: 'store' });
    this.store = options.store;
    this.clock = options.clock ?? systemClock;
    this.batchSize = options.batchSize ?? 256;
    this.maxAttempts = options.maxAttempts ?? 5;
    assertPositiveInt(this.batchSize, 'batchSize');
    assertPositiveInt(this.maxAttempts, 'maxAttempts');
    this.pollMs = toMillis(options.pollInterval ?? 500, 'pollInterval');
    this.reader = sourceReader(projection.source, options.log, [...projection.byType.keys()]);
    this.unlisten = this.reader.listen(() => this.waker.wake());
    this.closed = this.run().catch((error: unknown) => { this.fail(error); }).finally(() => this.finish());
  }

  get name(): string { return this.projection.name; }
  get version(): number { return this.projection.version; }

  async status(): Promise<ProjectionStatus> {
    const head = await this.reader.heads();
    let lag = 0;
    for (const [key, h] of Object.entries(head)) lag += Math.max(0, h - (this.position[key] ?? 0));
    const status: ProjectionStatus = {
      name: this.name, version: this.version, state: this.state, role: await this.storedRole(),
      position: { ...this.position }, head, lag, applied: this.applied, errors: this.failures.errors,
    };
    if (this.failures.last) status.lastError = { ...this.failures.last };
    if (this.stoppedBy) status.stoppedBy = this.stoppedBy;
    return status;
  }

  async caughtUp(options: { timeout?: Duration } = {}): Promise<void> {
    const timeoutMs = toMillis(options.timeout ?? 30_000, 'timeout');
    const promise = this.waiters.add(await this.reader.heads(), timeoutMs, `projection ${this.name} v${this.version}`);
    this.settleWaiters();
    return promise;
  }

  async close(): Promise<void> {
    this.stopping = true;
    this.stoppedBy ??= 'close';
    this.waker.wake();
    await this.closed;
  }

  private async run(): Promise<void> {
    while (!this.stopping && this.state === 'starting') await this.attempt(() => this.register());
    while (!this.stopping) {
      let page: SourcePage | undefined;
      const ok = await this.attempt(async () => {
        page = await this.reader.page(this.position, this.batchSize);
        await this.apply(page);
      });
      this.settleWaiters();
      if (!ok || this.stopping) continue;
      this.failures.succeeded();
      if (page?.caughtUp) {
        if (this.state === 'catching-up') this.state = 'live';
        await this.waker.sleep(this.pollMs);
      } else {
        await new Promise((resolve) => setImmediate(resolve)); // a long catch-up lets timers and I/O in between batches
      }
    }
  }

  private async register(): Promise<void> {
    const p = this.projection;
    const record = await this.store.register(p.name, p.version, p.sourceKey, (tx) => p.setup?.(projectionContext(tx, p.name, p.version)), this.clock.now());
    this.position = { ...record.position };
    this.applied = record.applied;
    this.role = record.role;
    if (record.role === 'retired') this.stop('retired');
    else this.state = 'catching-up';
  }

  /** Applies one page: the events before a failing one commit, then the failure is thrown. */
  private async apply(page: SourcePage): Promise<void> {
    const from = this.position;
    const batch = await prepareBatch(this.projection, page, from);
    let { events, end } = batch;
    let failure = batch.failure;
    for (;;) {
      const activate = this.role === 'building' && page.caughtUp && failure === undefined && batch.whole;
      if (events.length === 0 && samePosition(end, from) && !activate) break;
      try {
        const apply = (tx: Tx): void | Promise<void> => applyEvents(this.projection, this.version, tx, events, this.store.asyncHandlers === true);
        const outcome = await this.store.commit(
          { name: this.name, version: this.version, expected: from, next: end, applied: events.length, activate, now: this.clock.now() }, apply,
        );
        await this.afterCommit(outcome, end, events.length, activate);
        break;
      } catch (error) {
        if (!(error instanceof EventFailure)) throw error;
        failure = error; // commit what came before it, then report it
        events = events.slice(0, error.index);
        end = positionAfter(from, events);
      }
    }
    if (failure) throw failure;
  }

  private async afterCommit(outcome: CommitOutcome, end: Record<string, number>, applied: number, activated: boolean): Promise<void> {
    if (outcome === 'retired' || outcome === 'superseded') { this.stop(outcome); return; }
    if (outcome === 'moved') { await this.reload(); return; }
    this.position = end;
    this.applied += applied;
    this.failures.committed();
    if (activated) {
      this.role = 'active';
      if (this.options.dropRetired) await this.dropRetired();
    }
    this.settleWaiters();
  }

  /** Another runner of this version moved the checkpoint: continue from where it is. */
  private async reload(): Promise<void> {
    const record = (await this.store.records(this.name)).find((r) => r.version === this.version);
    if (!record || record.role === 'retired') { this.stop('retired'); return; }
    this.position = { ...record.position };
    this.applied = record.applied;
    this.role = record.role;
  }

  private async dropRetired(): Promise<void> {
    const p = this.projection;
    for (const r of await this.store.records(p.name)) {
      if (r.role === 'retired' && r.version < p.version) await this.store.drop(p.name, r.version, (tx) => p.drop?.(projectionContext(tx, p.name, r.version)));
    }
  }

  /** Runs `work`; on failure records it, and either waits to retry (false) or stops the runner in `failed`. */
  private async attempt(work: () => Promise<void> | void): Promise<boolean> {
    try {
      await work();
      return true;
    } catch (error) {
      if (!(error instanceof EventFailure) && isHeraldError(error, 'HERALD_E_CLOSED')) { this.stop('close'); return false; }
      const { cause, failure } = this.failures.record(error, this.clock.now());
      this.options.onError?.(cause, failure);
      if (this.state !== 'starting') await this.tryRecordError();
      if (failure.attempts >= this.maxAttempts || isPermanent(cause)) {
        this.state = 'failed';
        this.stopping = true;
        return false;
      }
      await this.pause(backoffDelay(failure.attempts, { initial: 100, max: 10_000, ...this.options.backoff }));
      return false;
    }
  }

  /** The role as stored now (another process may have switched versions), else as last seen. */
  private async storedRole(): Promise<VersionRole | undefined> {
    try {
      return (await this.store.records(this.name)).find((r) => r.version === this.version)?.role ?? (this.state === 'starting' ? undefined : 'retired');
    } catch {
      return this.role;
    }
  }

  /** An error outside any attempt (a bug): the runner stops in `failed` rather than reject `closed`. */
  private fail(error: unknown): void {
    this.failures.record(error, this.clock.now());
    this.state = 'failed';
  }

  private async tryRecordError(): Promise<void> {
    try { await this.store.recordError(this.name, this.version, this.failures.last); } catch { /* status still has it */ }
  }

  /** Waits `ms`, cut short by close (appends do not end a backoff). */
  private async pause(ms: number): Promise<void> {
    const until = Date.now() + ms;
    while (!this.stopping && Date.now() < until) await this.waker.sleep(until - Date.now());
  }

  private stop(by: NonNullable<ProjectionStatus['stoppedBy']>): void {
    this.stoppedBy ??= by;
    this.stopping = true;
  }

  /** A waiter is done once the head it saw is applied and, for a new version, the switch is made. */
  private settleWaiters(): void {
    if (this.role === 'active') this.waiters.settle(this.position);
  }

  private finish(): void {
    this.unlisten();
    if (this.state !== 'failed') this.state = 'stopped';
    const why = this.state === 'failed' ? `failed: ${this.failures.last?.message ?? 'unknown error'}` : `stopped (${this.stoppedBy ?? 'close'})`;
    this.waiters.rejectAll(new HeraldError('HERALD_E_CLOSED', `projection ${this.name} v${this.version} ${why}`, { details: { state: this.state } }));
  }
}
