import { AsyncLocalStorage } from 'node:async_hooks';
import { createEvent, type CloudEvent, type EventInput } from '../core/envelope.js';
import type { EventContract } from '../core/contract.js';
import { toMillis, type Duration } from '../core/duration.js';
import { invalidArgument, isHeraldError } from '../core/errors.js';
import type { EventLog } from '../log/types.js';
import type { StreamStore } from '../log/streams.js';
import type { StepContext, StepOptions, WaitForEventOptions, WorkflowContext, WorkflowDefinition } from './define.js';
import { cancelledError, failureOf, nondeterministic, workflowFailed } from './errors.js';
import { H, type Command, type EventWaitingData, type Folded, type StepKind, type StepRecord } from './history.js';
import { historyId, instanceStream, parseInstanceStream } from './names.js';
import { effectivePolicy, isFinalFailure, retryDelay } from './policy.js';
import { FencedOut, historyEvent, Recorder } from './recorder.js';

export interface ExecutionEnv {
  streams: StreamStore;
  log: EventLog;
  source: string;
  startChild(def: WorkflowDefinition, input: unknown, id: string, parent: { stream: string; seq: number }): Promise<void>;
  /** The instance now waits for an event: route it there. */
  waiting(stream: string, wait: EventWaitingData): void;
}

export type RunOutcome =
  | { kind: 'blocked' }
  | { kind: 'terminal'; status: 'completed' | 'failed' | 'cancelled' }
  | { kind: 'fenced' }
  | { kind: 'error'; error: unknown };

const never = <T>(): Promise<T> => new Promise<T>(() => undefined);
type PublishOptions = Omit<EventInput, 'type' | 'data' | 'id'>;
/** Set while a step function runs: workflow calls from inside one would not be replayed with it. */
const insideStep = new AsyncLocalStorage<boolean>();

/**
 * One run of an instance: the workflow function is called from the start; each ctx call takes the
 * next sequence number and either replays what the history recorded for it or does it now and
 * records it. The run ends when the function returns or throws (recorded), or when everything it
 * waits for is outside this process's control (a timer, an event, a signal, a child): blocked.
 */
export class Execution {
  private seq = 0;
  private active = 0;
  private idleGen = 0;
  private finished = false;
  private signalsTaken = new Map<string, number>();
  private readonly recorder: Recorder;
  private readonly where: string;
  private resolveOutcome!: (o: RunOutcome) => void;
  readonly outcome = new Promise<RunOutcome>((resolve) => { this.resolveOutcome = resolve; });

  constructor(private readonly env: ExecutionEnv, private readonly stream: string, private readonly f: Folded, private readonly def: WorkflowDefinition) {
    this.recorder = new Recorder(env.streams, stream, f.revision);
    this.where = `workflow ${def.name} instance ${parseInstanceStream(stream)?.id ?? stream} (version ${def.version})`;
  }

  run(): Promise<RunOutcome> {
    const started = this.f.started!;
    this.active++;
    Promise.resolve().then(() => this.def.run(this.context(), started.input)).then(
      (output) => this.end(() => this.conclude(output, undefined)),
      (error: unknown) => this.end(() => this.conclude(undefined, error)),
    );
    this.active--;
    this.checkIdle();
    return this.outcome;
  }

  private context(): WorkflowContext {
    const started = this.f.started!;
    const self = this; // eslint-disable-line @typescript-eslint/no-this-alias -- the context's methods close over the run
    return {
      workflow: started.workflow,
      instanceId: started.id,
      version: started.version,
      get cancelRequested() { return self.f.cancelRequested !== undefined; },
      step: (name, fn, options) => this.step('step', name, fn, options),
      compensation: (name, fn, options) => this.step('compensation', name, fn, options),
      sleep: (duration) => this.sleep(duration),
      waitForEvent: (type, match, options) => this.waitForEvent(type, match, options),
      waitForSignal: (name, options) => this.waitForSignal(name, options),
      publish: (topic: string, what: EventContract<unknown> | EventInput, data?: unknown, options?: PublishOptions) => this.publish(topic, what, data, options),
      child: (workflow, input, options) => this.child(workflow as WorkflowDefinition, input, options) as never,
    };
  }

  // ---- lifecycle ------------------------------------------------------------------------------

  private finish(outcome: RunOutcome): void {
    if (this.finished) return;
    this.finished = true;
    this.resolveOutcome(outcome);
  }

  private checkIdle(): void {
    if (this.active > 0 || this.finished) return;
    const gen = ++this.idleGen;
    setImmediate(() => { if (this.active === 0 && gen === this.idleGen) this.finish({ kind: 'blocked' }); });
  }

  /** Runs `work` as an operation the run waits for; its failure to record ends the run. */
  private async op<T>(work: () => Promise<T>): Promise<T> {
    if (this.finished) return never();
    this.active++;
    try {
      return await work();
    } catch (error) {
      if (error instanceof FencedOut) { this.finish({ kind: 'fenced' }); return never(); }
      throw error;
    } finally {
      this.active--;
      this.checkIdle();
    }
  }

  private end(work: () => Promise<void>): void {
    this.op(work).catch((error: unknown) => this.finish({ kind: 'error', error }));
  }

  /** Something only a later run can resolve. */
  private block<T>(): Promise<T> {
    this.checkIdle();
    return never();
  }

  private fatal<T>(error: unknown): Promise<T> {
    this.end(() => this.record(H.failed, { error: failureOf(error) }).then(() => this.finish({ kind: 'terminal', status: 'failed' })));
    return never();
  }

  private async conclude(output: unknown, error: unknown): Promise<void> {
    if (this.finished) return;
    if (error === undefined) {
      const extra = [...this.f.commands.values()].find((c) => c.seq >= this.seq);
      if (extra) { await this.fatal(nondeterministic(this.where, extra.seq, extra, { kind: 'nothing', name: '(the workflow returned)' })); return; }
      await this.record(H.completed, output === undefined ? {} : { output });
      this.finish({ kind: 'terminal', status: 'completed' });
    } else if (this.f.cancelRequested && (isHeraldError(error, 'HERALD_E_CANCELLED') || isHeraldError(error, 'HERALD_E_WORKFLOW_FAILED'))) {
      await this.record(H.cancelled, { reason: this.f.cancelRequested.reason ?? 'cancelled', error: failureOf(error) });
      this.finish({ kind: 'terminal', status: 'cancelled' });
    } else {
      await this.record(H.failed, { error: failureOf(error) });
      this.finish({ kind: 'terminal', status: 'failed' });
    }
  }

  private record(type: string, data: unknown, id?: string, key?: string): Promise<void> {
    return this.recorder.append([this.event(type, data, id, key)]);
  }

  private event(type: string, data: unknown, id?: string, key?: string): CloudEvent {
    return historyEvent(this.stream, this.env.source, { type, data, ...(id === undefined ? {} : { id }), ...(key === undefined ? {} : { key }) });
  }

  /** The next command's seq, after checking it matches what the history recorded there. */
  private next(kind: Command['kind'], name: string): number | Error {
    if (insideStep.getStore()) {
      return invalidArgument(`${this.where}: ${kind} "${name}" was called inside a step function; call it from the workflow function (a step may publish with its own step.publish)`, { field: kind });
    }
    const seq = this.seq++;
    const recorded = this.f.commands.get(seq);
    if (recorded && (recorded.kind !== kind || recorded.name !== name)) return nondeterministic(this.where, seq, recorded, { kind, name });
    return seq;
  }

  /** True when a cancel came before `revision` (or at all, when undefined). */
  private cancelledBefore(revision?: number): boolean {
    const c = this.f.cancelRequested;
    return c !== undefined && (revision === undefined || c.revision < revision);
  }

  private cancelled<T>(): Promise<T> {
    return Promise.reject(cancelledError(this.where, this.f.cancelRequested?.reason));
  }

  private timerEvent(seq: number, timer: string, dueAt: number): CloudEvent {
    return this.event(H.timerScheduled, { seq, timer, dueAt, stream: this.stream }, undefined, `${this.stream}/${timer}`);
  }

  // ---- steps ----------------------------------------------------------------------------------

  private step<T>(kind: StepKind, name: string, fn: (s: StepContext) => Promise<T> | T, options: StepOptions = {}): Promise<T> {
    if (typeof name !== 'string' || name.length === 0) return Promise.reject(invalidArgument('step name must be a non-empty string', { field: 'name' }));
    const seq = this.next(kind, name);
    if (seq instanceof Error) return this.fatal(seq);
    const policy = effectivePolicy(options.retry, this.def.retry);
    const rec = this.f.steps.get(seq);
    const last = rec?.attempts.at(-1);
    if (last?.endedAt !== undefined && last.error === undefined) return Promise.resolve(last.output as T);
    if (kind === 'step' && this.cancelledBefore()) return this.cancelled();
    const retriedAfter = (r: number | undefined): boolean => this.f.retriedAt.some((x) => r !== undefined && x > r);
    if (last?.final && !retriedAfter(last.endRevision)) return Promise.reject(stepFailure(rec!, this.where));
    if (last?.error && !last.final) {
      const timer = this.f.timers.get(`retry:${seq}:${last.attempt}`);
      if (timer?.firedRevision === undefined) return this.block();
    }
    const failures = rec ? failuresSince(rec, Math.max(0, ...this.f.retriedAt)) : 0;
    return this.op(() => this.attempt(kind, seq, name, fn, options, policy, (last?.attempt ?? 0) + 1, failures))
      .then((r) => ('retryAt' in r ? this.block<T>() : r.output));
  }

  private async attempt<T>(kind: StepKind, seq: number, name: string, fn: (s: StepContext) => Promise<T> | T, options: StepOptions, policy: ReturnType<typeof effectivePolicy>, attempt: number, failures: number): Promise<{ output: T } | { retryAt: number }> {
    const types = kind === 'step' ? [H.stepScheduled, H.stepCompleted, H.stepFailed] as const : [H.compensationScheduled, H.compensationCompleted, H.compensationFailed] as const;
    await this.record(types[0], { seq, name, attempt, ...(options.input === undefined ? {} : { input: options.input }) });
    const started = Date.now();
    const step: StepContext = { attempt, idempotencyKey: `${this.stream}#${seq}`, workflow: this.def.name, instanceId: this.f.started!.id, publish: this.stepPublisher(seq) };
    let output: T;
    try {
      output = await insideStep.run(true, () => fn(step));
    } catch (error) {
      const ms = Date.now() - started;
      const final = isFinalFailure(error, policy, failures + 1);
      const failed = { seq, name, attempt, error: failureOf(error), ms, final };
      if (final) {
        await this.record(types[2], failed);
        throw workflowFailed(`${this.where}: ${kind} "${name}" failed (attempt ${attempt})`, failed.error, { step: name, seq, attempt });
      }
      const retryAt = Date.now() + retryDelay(policy, failures + 1);
      await this.recorder.append([this.event(types[2], { ...failed, retryAt }), this.timerEvent(seq, `retry:${seq}:${attempt}`, retryAt)]);
      return { retryAt }; // the step waits for its retry timer
    }
    const recorded = output === undefined ? undefined : JSON.parse(JSON.stringify(output)) as T; // a replay returns what JSON kept
    await this.record(types[1], { seq, name, attempt, ms: Date.now() - started, ...(recorded === undefined ? {} : { output: recorded }) });
    return { output: recorded as T };
  }

  private publish(topic: string, what: EventContract<unknown> | EventInput, data: unknown, options: PublishOptions = {}): Promise<void> {
    const type = 'schema' in what && 'create' in what ? what.type : (what).type;
    return this.step('step', `publish ${type} to ${topic}`, (s) => (s.publish as (...args: unknown[]) => Promise<void>)(topic, what, data, options)).then(() => undefined);
  }

  /** What a step function may publish: ids derived from the step (the same on every attempt, so the log keeps one), the instance's correlation. */
  private stepPublisher(seq: number): StepContext['publish'] {
    const started = this.f.started!;
    const inherit = { correlationid: started.correlationid ?? started.eventId, causationid: started.eventId, source: this.env.source };
    let n = 0;
    return async (topic: string, what: EventContract<unknown> | EventInput, data?: unknown, options: PublishOptions = {}) => {
      const id = historyId(this.stream, `publish/${seq}/${n++}`);
      const event = 'schema' in what && 'create' in what
        ? await what.create(data, { ...inherit, ...options, id })
        : createEvent({ ...inherit, ...what, id });
      await this.env.log.append(topic, [event]);
    };
  }

  // ---- timers, events, signals, children -------------------------------------------------------

  private sleep(duration: Duration): Promise<void> {
    const ms = toMillis(duration, 'duration');
    const timer = `sleep:${this.seq}`;
    const seq = this.next('timer', timer);
    if (seq instanceof Error) return this.fatal(seq);
    const t = this.f.timers.get(timer);
    if (t?.firedRevision !== undefined && !this.cancelledBefore(t.firedRevision)) return Promise.resolve();
    if (this.cancelledBefore()) return this.cancelled();
    if (!t) return this.op(() => this.recorder.append([this.timerEvent(seq, timer, Date.now() + ms)])).then(() => this.block());
    return this.block();
  }

  private waitForEvent<T>(type: string | EventContract<T>, match: Record<string, unknown>, options: WaitForEventOptions): Promise<CloudEvent<T> | undefined> {
    const typeName = typeof type === 'string' ? type : type.type;
    if (typeof options?.topic !== 'string') return Promise.reject(invalidArgument('waitForEvent needs options.topic', { field: 'topic' }));
    const seq = this.next('wait', typeName);
    if (seq instanceof Error) return this.fatal(seq);
    const w = this.f.waits.get(seq);
    if (!w) {
      if (this.cancelledBefore()) return this.cancelled();
      const timer = options.timeout === undefined ? undefined : `wait:${seq}`;
      const wait: EventWaitingData = { seq, topic: options.topic, type: typeName, match, since: this.f.started!.at, ...(timer ? { timer } : {}) };
      const events = [this.event(H.eventWaiting, wait), ...(timer ? [this.timerEvent(seq, timer, Date.now() + toMillis(options.timeout!, 'timeout'))] : [])];
      return this.op(() => this.recorder.append(events)).then(() => { this.env.waiting(this.stream, wait); return this.block(); });
    }
    const fired = w.timer === undefined ? undefined : this.f.timers.get(w.timer)?.firedRevision;
    if (w.received && (fired === undefined || w.received.revision < fired) && !this.cancelledBefore(w.received.revision)) {
      const event = w.received.event as CloudEvent<T>;
      return typeof type === 'string' ? Promise.resolve(event) : this.op(() => type.decode(event));
    }
    if (fired !== undefined && !this.cancelledBefore(fired)) {
      return w.timedOut ? Promise.resolve(undefined) : this.op(() => this.record(H.eventTimedOut, { seq })).then(() => undefined);
    }
    if (this.cancelledBefore()) return this.cancelled();
    this.env.waiting(this.stream, w);
    return this.block();
  }

  private waitForSignal<T>(name: string, options: { timeout?: Duration } = {}): Promise<T | undefined> {
    const timer = options.timeout === undefined ? undefined : `signal:${this.seq}`;
    const seq = timer ? this.next('timer', timer) : this.seq++;
    if (seq instanceof Error) return this.fatal(seq);
    const taken = this.signalsTaken.get(name) ?? 0;
    const signal = this.f.signals.get(name)?.[taken];
    const t = timer ? this.f.timers.get(timer) : undefined;
    if (signal && (t?.firedRevision === undefined || signal.revision < t.firedRevision) && !this.cancelledBefore(signal.revision)) {
      this.signalsTaken.set(name, taken + 1);
      return Promise.resolve(signal.payload as T);
    }
    if (t?.firedRevision !== undefined && !this.cancelledBefore(t.firedRevision)) return Promise.resolve(undefined);
    if (this.cancelledBefore()) return this.cancelled();
    if (timer && !t) return this.op(() => this.recorder.append([this.timerEvent(seq, timer, Date.now() + toMillis(options.timeout!, 'timeout'))])).then(() => this.block());
    return this.block();
  }

  private child(def: WorkflowDefinition, input: unknown, options: { id?: string } = {}): Promise<unknown> {
    const seq = this.next('child', def.name);
    if (seq instanceof Error) return this.fatal(seq);
    const c = this.f.children.get(seq);
    const id = c?.id ?? options.id ?? `${this.f.started!.id}.${seq}`;
    const start = (): Promise<void> => this.env.startChild(def, input, id, { stream: this.stream, seq });
    if (c?.done && !this.cancelledBefore(c.done.revision)) {
      return c.done.error ? Promise.reject(workflowFailed(`${this.where}: child workflow ${def.name} ${id} failed`, c.done.error, { child: id })) : Promise.resolve(c.done.output);
    }
    if (this.cancelledBefore()) return this.cancelled();
    if (!c) return this.op(async () => { await this.record(H.childStarted, { seq, workflow: def.name, id, stream: instanceStream(def.name, id) }); await start(); }).then(() => this.block());
    return this.op(start).then(() => this.block()); // idempotent: covers a crash between the two writes
  }
}

function failuresSince(rec: StepRecord, revision: number): number {
  return rec.attempts.filter((a) => a.error !== undefined && (a.endRevision ?? 0) > revision).length;
}

function stepFailure(rec: StepRecord, where: string): Error {
  const last = rec.attempts.at(-1)!;
  return workflowFailed(`${where}: ${rec.kind} "${rec.name}" failed (attempt ${last.attempt})`, last.error, { step: rec.name, seq: rec.seq, attempt: last.attempt });
}
