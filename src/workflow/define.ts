import type { CloudEvent, EventInput } from '../core/envelope.js';
import type { EventContract } from '../core/contract.js';
import type { Duration } from '../core/duration.js';
import { invalidArgument } from '../core/errors.js';
import type { BackoffOptions } from '../consumer/types.js';
import { assertWorkflowName } from './names.js';

/** How a step is retried: attempts, backoff between them, and errors not worth retrying. */
export interface RetryPolicy {
  /** Attempts that may fail before the step fails for good (default 3). Attempts lost to a crash do not count. */
  maxAttempts?: number;
  /** Default: 1s doubling up to 60s, with jitter. The wait is a durable timer. */
  backoff?: BackoffOptions;
  /** Error names or codes that fail the step at once (a non-retryable HeraldError always does). */
  nonRetryable?: readonly string[];
}

export interface StepContext {
  /** 1 on the first attempt. */
  readonly attempt: number;
  /** `<instance stream>#<seq>`: the same for every attempt of this step; key side effects with it to make them exactly-once. */
  readonly idempotencyKey: string;
  readonly workflow: string;
  readonly instanceId: string;
  /** Publishes from the step with ids derived from it (the same on every attempt, so a retried step does not publish twice) and the instance's correlation. */
  publish<T>(topic: string, contract: EventContract<T>, data: T, options?: Omit<EventInput<T>, 'type' | 'data' | 'id'>): Promise<void>;
  publish(topic: string, event: EventInput): Promise<void>;
}

export interface StepOptions {
  retry?: RetryPolicy;
  /** Recorded with the step (for inspection); the step function gets it back. */
  input?: unknown;
}

export interface WaitForEventOptions {
  /** The topic the event is published on. */
  topic: string;
  /** Resolve with undefined when no event came in this time. */
  timeout?: Duration;
}

/** What a workflow function gets: every effect goes through it, so a replay can skip what is recorded. */
export interface WorkflowContext {
  readonly workflow: string;
  readonly instanceId: string;
  readonly version: number;
  /** Runs `fn` once and records its (JSON) result; on replay returns the record without running it. */
  step<T>(name: string, fn: (step: StepContext) => Promise<T> | T, options?: StepOptions): Promise<T>;
  /** A durable timer: survives restarts. */
  sleep(duration: Duration): Promise<void>;
  /** The first event of `type` on `options.topic` whose data has every field of `match` (equal values); undefined on timeout. */
  waitForEvent<T = unknown>(type: string | EventContract<T>, match: Record<string, unknown>, options: WaitForEventOptions): Promise<CloudEvent<T> | undefined>;
  /** The next signal `name` sent to this instance (in the order they came); undefined on timeout. */
  waitForSignal<T = unknown>(name: string, options?: { timeout?: Duration }): Promise<T | undefined>;
  /** Publishes once (a step with a stable event id), keeping the instance's correlation. */
  publish<T>(topic: string, contract: EventContract<T>, data: T, options?: Omit<EventInput<T>, 'type' | 'data' | 'id'>): Promise<void>;
  publish(topic: string, event: EventInput): Promise<void>;
  /** Starts a child instance and waits for its result (its failure rejects with HERALD_E_WORKFLOW_FAILED). */
  child<I, O>(workflow: WorkflowDefinition<I, O>, input: I, options?: { id?: string }): Promise<O>;
  /** True once a cancel was requested (compensations may still run as steps). */
  readonly cancelRequested: boolean;
  /** @internal: a compensating step (runs even after a cancel request); use the saga helper. */
  compensation<T>(name: string, fn: (step: StepContext) => Promise<T> | T, options?: StepOptions): Promise<T>;
}

/** Starts an instance for each event of `type` on `topic`; idempotent by the instance id (default: the event id). */
export interface WorkflowTrigger<I> {
  topic: string;
  type: string | EventContract<unknown>;
  id?: (event: CloudEvent) => string;
  input?: (event: CloudEvent) => I;
}

export interface WorkflowOptions<I> {
  /** Default 1. Instances stay on the version they started with: keep old versions registered until they finish. */
  version?: number;
  /** Default retry policy of the workflow's steps. */
  retry?: RetryPolicy;
  trigger?: WorkflowTrigger<I>;
}

export type WorkflowFunction<I, O> = (ctx: WorkflowContext, input: I) => Promise<O>;

export interface WorkflowDefinition<I = unknown, O = unknown> {
  readonly name: string;
  readonly version: number;
  readonly run: WorkflowFunction<I, O>;
  readonly retry?: RetryPolicy;
  readonly trigger?: WorkflowTrigger<I>;
}

/** Any workflow definition, whatever its input and output (what a runner registers). */
export interface AnyWorkflowDefinition {
  readonly name: string;
  readonly version: number;
  readonly run: WorkflowFunction<never, unknown>;
  readonly retry?: RetryPolicy;
  readonly trigger?: WorkflowTrigger<unknown>;
}

export function defineWorkflow<I, O>(name: string, fn: WorkflowFunction<I, O>): WorkflowDefinition<I, O>;
export function defineWorkflow<I, O>(name: string, options: WorkflowOptions<I>, fn: WorkflowFunction<I, O>): WorkflowDefinition<I, O>;
export function defineWorkflow<I, O>(name: string, a: WorkflowOptions<I> | WorkflowFunction<I, O>, b?: WorkflowFunction<I, O>): WorkflowDefinition<I, O> {
  assertWorkflowName(name, 'name');
  const options = typeof a === 'function' ? {} : a;
  const run = typeof a === 'function' ? a : b;
  if (typeof run !== 'function') throw invalidArgument('defineWorkflow needs a workflow function', { field: 'fn' });
  const version = options.version ?? 1;
  if (!Number.isInteger(version) || version < 1) throw invalidArgument(`version of workflow ${name} must be a positive integer`, { field: 'version' });
  if (options.retry) assertRetryPolicy(options.retry, 'retry');
  return { name, version, run, ...(options.retry ? { retry: options.retry } : {}), ...(options.trigger ? { trigger: options.trigger } : {}) };
}

export function assertRetryPolicy(policy: RetryPolicy, field: string): void {
  if (policy.maxAttempts !== undefined && (!Number.isInteger(policy.maxAttempts) || policy.maxAttempts < 1)) {
    throw invalidArgument(`${field}.maxAttempts must be a positive integer`, { field: `${field}.maxAttempts` });
  }
}

/** Every registered version of every workflow; new instances run the highest version. */
export class WorkflowRegistry {
  private readonly byName = new Map<string, Map<number, WorkflowDefinition>>();

  constructor(definitions: readonly AnyWorkflowDefinition[]) {
    for (const d of definitions as unknown as readonly WorkflowDefinition[]) {
      const versions = this.byName.get(d.name) ?? new Map<number, WorkflowDefinition>();
      if (versions.has(d.version)) throw invalidArgument(`workflow ${d.name} version ${d.version} is registered twice`, { field: 'workflows' });
      versions.set(d.version, d);
      this.byName.set(d.name, versions);
    }
  }

  latest(name: string): WorkflowDefinition | undefined {
    const versions = this.byName.get(name);
    if (!versions) return undefined;
    return versions.get(Math.max(...versions.keys()));
  }

  get(name: string, version: number): WorkflowDefinition | undefined {
    return this.byName.get(name)?.get(version);
  }

  versions(name: string): number[] {
    return [...(this.byName.get(name)?.keys() ?? [])].sort((x, y) => x - y);
  }

  all(): WorkflowDefinition[] {
    return [...this.byName.values()].flatMap((v) => [...v.values()]);
  }
}
