import type { CloudEvent } from '../core/envelope.js';
import { toMillis, type Duration } from '../core/duration.js';
import { HeraldError, invalidArgument } from '../core/errors.js';
import { uuidv7 } from '../core/ids.js';
import { subscribe } from '../consumer/subscribe.js';
import type { Subscription } from '../consumer/types.js';
import type { EventLog } from '../log/types.js';
import { hasStreams, type StreamLog } from '../log/streams.js';
import { WorkflowRegistry, type AnyWorkflowDefinition, type WorkflowDefinition } from './define.js';
import { cancelledError, workflowFailed } from './errors.js';
import { Execution, type ExecutionEnv } from './execution.js';
import { foldHistory, H, INPUT_TYPES, TERMINAL_TYPES, type Folded } from './history.js';
import { historyId, instanceStream, WORKFLOW_TOPIC } from './names.js';
import { cancelInstance, inspectInstance, listInstances, retryInstance, signalInstance, type InstanceSummary, type InstanceView, type ListOptions } from './ops.js';
import { historyEvent, loadHistory, Recorder, toHistoryEvent } from './recorder.js';
import { EventRouter } from './router.js';
import { appendStarted, type InstanceRef } from './start.js';
import { startTimers } from './timers.js';

export interface WorkflowRunnerOptions {
  /** Every version still running: an instance runs on the version it started with. */
  workflows: readonly AnyWorkflowDefinition[];
  /** CloudEvents source of history and published events (default `urn:herald:workflow`). */
  source?: string;
  /** Instances run at once (default 8). */
  concurrency?: number;
  /** How often idle groups look for work from other processes (default 100ms); timers fire within it. */
  pollInterval?: Duration;
  /** How long a runner holds an instance's input before another may take it after a crash (default 30s; renewed while it runs). */
  lease?: Duration;
  onError?: (error: unknown) => void;
}

export interface StartOptions {
  /** Instance id (default a UUIDv7). Starting an id that exists returns it and writes nothing. */
  id?: string;
}

const MAX_ROUNDS = 50;

/**
 * Runs workflows on a log with streams. Each instance's history is its stream; the group
 * `workflow-runner` on the topic `workflow` runs an instance whenever an input lands in it (a
 * start, a fired timer, a received event, a signal, a child's end, a cancel or retry request).
 * An input not acknowledged before a crash comes back, and the instance resumes from its history.
 */
export class WorkflowRunner {
  private readonly registry: WorkflowRegistry;
  private readonly source: string;
  private readonly subscriptions: Subscription[] = [];
  private readonly router: EventRouter;
  private readonly env: ExecutionEnv;
  private readonly onError: (error: unknown) => void;
  private closed = false;

  private constructor(readonly log: StreamLog, private readonly options: WorkflowRunnerOptions) {
    this.registry = new WorkflowRegistry(options.workflows);
    this.source = options.source ?? 'urn:herald:workflow';
    this.onError = options.onError ?? (() => undefined);
    const pollInterval = toMillis(options.pollInterval ?? 100, 'pollInterval');
    this.router = new EventRouter(log, this.source, { pollInterval, onError: this.onError });
    this.env = {
      streams: log.streams, log, source: this.source,
      startChild: async (def, input, id, parent) => { await appendStarted(log.streams, this.source, { workflow: def.name, version: this.latest(def.name).version, id, input, parent }); },
      waiting: (stream, wait) => this.router.register(stream, wait),
    };
  }

  /** Starts the runner: recovers the waits from the log, then runs instances, timers, routes and triggers. */
  static async start(log: EventLog, options: WorkflowRunnerOptions): Promise<WorkflowRunner> {
    if (!hasStreams(log)) {
      throw new HeraldError('HERALD_E_UNSUPPORTED', `workflows keep their history in streams, which the ${log.backend} backend does not have (the sqlite, memory and postgres backends do)`);
    }
    if (!options || !Array.isArray(options.workflows)) throw invalidArgument('options.workflows must be an array of workflow definitions', { field: 'workflows' });
    const runner = new WorkflowRunner(log, options);
    await runner.router.recover();
    runner.listen();
    return runner;
  }

  private listen(): void {
    const pollInterval = toMillis(this.options.pollInterval ?? 100, 'pollInterval');
    this.subscriptions.push(subscribe(this.log, WORKFLOW_TOPIC, {
      group: 'workflow-runner', concurrency: this.options.concurrency ?? 8, pollInterval, maxAttempts: 2 ** 31 - 1, lease: this.options.lease ?? 30_000,
      backoff: { initial: 50, max: 5_000 }, onError: this.onError,
    }, async (event) => {
      if (INPUT_TYPES.has(event.type) && typeof event.subject === 'string') await this.drive(event.subject);
    }));
    this.subscriptions.push(startTimers(this.log, this.source, { pollInterval, concurrency: 16, lease: this.options.lease ?? 30_000, onError: this.onError }));
    for (const name of new Set(this.registry.all().map((d) => d.name))) {
      const trigger = this.latest(name).trigger;
      if (!trigger) continue;
      const type = typeof trigger.type === 'string' ? trigger.type : trigger.type.type;
      this.subscriptions.push(subscribe(this.log, trigger.topic, { group: `workflow-trigger-${name}`, pollInterval, onError: this.onError }, async (event) => {
        if (event.type !== type) return;
        await this.startInstance(name, trigger.input ? trigger.input(event) : event.data, trigger.id ? trigger.id(event) : event.id, { topic: trigger.topic, event });
      }));
    }
  }

  /** Starts an instance of the workflow's newest version; idempotent by `options.id`. */
  async start<I, O>(workflow: WorkflowDefinition<I, O> | string, input: I, options: StartOptions = {}): Promise<InstanceRef & { duplicate: boolean }> {
    const name = typeof workflow === 'string' ? workflow : workflow.name;
    return this.startInstance(name, input, options.id ?? uuidv7());
  }

  private startInstance(name: string, input: unknown, id: string, cause?: { topic: string; event: CloudEvent }): Promise<InstanceRef & { duplicate: boolean }> {
    if (this.closed) throw new HeraldError('HERALD_E_CLOSED', 'the workflow runner was closed');
    const def = this.latest(name);
    return appendStarted(this.log.streams, this.source, { workflow: name, version: def.version, id, input, ...(cause ? { cause } : {}) });
  }

  private latest(name: string): WorkflowDefinition {
    const def = this.registry.latest(name);
    if (!def) throw new HeraldError('HERALD_E_NOT_FOUND', `workflow ${name} is not registered with this runner`, { details: { workflow: name } });
    return def;
  }

  /** Resolves with the instance's output when it completes; rejects when it fails or is cancelled. */
  async result<O = unknown>(ref: { workflow: string; id: string }, options: { timeout?: Duration } = {}): Promise<O> {
    const stream = instanceStream(ref.workflow, ref.id);
    const deadline = Date.now() + toMillis(options.timeout ?? 60_000, 'timeout');
    for (;;) {
      for await (const last of this.log.streams.readStream(stream, { direction: 'backwards', limit: 1 })) {
        if (!TERMINAL_TYPES.has(last.event.type)) break;
        const data = last.event.data as { output?: unknown; error?: { message: string }; reason?: string };
        if (last.event.type === H.completed) return data.output as O;
        if (last.event.type === H.cancelled) throw cancelledError(`workflow ${ref.workflow} instance ${ref.id}`, data.reason);
        throw workflowFailed(`workflow ${ref.workflow} instance ${ref.id} failed`, data.error, { workflow: ref.workflow, id: ref.id });
      }
      if (Date.now() > deadline) throw new HeraldError('HERALD_E_TIMEOUT', `workflow ${ref.workflow} instance ${ref.id} did not end in time`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(done, 50);
        const off = this.log.streams.onAppendAll(done);
        function done(): void { clearTimeout(t); off(); resolve(); }
      });
    }
  }

  list(options?: ListOptions): Promise<InstanceSummary[]> { return listInstances(this.log.streams, options); }
  inspect(workflow: string, id: string): Promise<InstanceView> { return inspectInstance(this.log.streams, workflow, id); }
  cancel(workflow: string, id: string, reason?: string): Promise<void> { return cancelInstance(this.log.streams, workflow, id, reason, this.source); }
  retry(workflow: string, id: string): Promise<void> { return retryInstance(this.log.streams, workflow, id, this.source); }
  signal(workflow: string, id: string, name: string, payload?: unknown): Promise<void> { return signalInstance(this.log.streams, workflow, id, name, payload, this.source); }

  /** Stops taking work and waits for running instances to reach a point they can resume from. */
  async close(): Promise<void> {
    this.closed = true;
    await this.router.close();
    await Promise.all(this.subscriptions.map((s) => s.close()));
  }

  /** Runs the instance until it ends or waits for something only a later input can bring. */
  private async drive(stream: string): Promise<void> {
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const f = foldHistory((await loadHistory(this.log.streams, stream)).map(toHistoryEvent));
      if (!f.started) return;
      if (f.status !== 'running') { this.router.forget(stream); await this.notifyParent(f); return; }
      const def = this.registry.get(f.started.workflow, f.started.version);
      if (!def) { await this.failUnregistered(stream, f); continue; }
      const outcome = await new Execution(this.env, stream, f, def).run();
      if (outcome.kind === 'error') throw outcome.error;
      if (outcome.kind === 'blocked') return;
      // terminal: load again to tell the parent; fenced: another runner wrote, start over from the log
    }
    throw new HeraldError('HERALD_E_BUSY', `instance ${stream} kept changing while it ran; it will be retried`);
  }

  private async failUnregistered(stream: string, f: Folded): Promise<void> {
    const { workflow, version } = f.started!;
    const error = new HeraldError('HERALD_E_NONDETERMINISTIC',
      `workflow ${workflow} instance ${f.started!.id} started on version ${version}, which is not registered (registered: ${this.registry.versions(workflow).join(', ') || 'none'}); keep old versions registered until their instances end, then retry it`);
    await new Recorder(this.log.streams, stream, f.revision).append([historyEvent(stream, this.source, { type: H.failed, data: { error: { message: error.message, name: error.name, code: error.code } } })]);
  }

  /** A child's end is an input of its parent (once: the event's id names the child). */
  private async notifyParent(f: Folded): Promise<void> {
    const parent = f.started?.parent;
    if (!parent) return;
    const done = f.status === 'completed' ? { type: H.childCompleted, data: { seq: parent.seq, output: f.output } }
      : { type: H.childFailed, data: { seq: parent.seq, error: f.error ?? { message: 'cancelled', code: 'HERALD_E_CANCELLED' } } };
    await this.log.streams.appendToStream(parent.stream, [historyEvent(parent.stream, this.source, { ...done, id: historyId(parent.stream, `child/${parent.seq}`) })]);
  }
}

/** Starts a workflow runner on `log` (which must keep streams: sqlite or memory). */
export function startWorkflowRunner(log: EventLog, options: WorkflowRunnerOptions): Promise<WorkflowRunner> {
  return WorkflowRunner.start(log, options);
}
