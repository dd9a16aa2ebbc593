import type { Clock } from '../core/clock.js';
import type { Duration } from '../core/duration.js';
import type { BackoffOptions } from '../consumer/types.js';
import type { EventLog } from '../log/types.js';
import type { AnyProjectionStore, ProjectionFailure, VersionRole } from './projection-store.js';

export interface ProjectionRunnerOptions<Tx> {
  /** Where the events come from (topics of this log, or its streams' `$all`). */
  log: EventLog;
  /** Where the read model and its checkpoint live (sqlite and memory: synchronous; PostgreSQL: asynchronous). */
  store: AnyProjectionStore<Tx>;
  /** Most events applied in one transaction (default 256). */
  batchSize?: number;
  /** How often an idle projection looks for events appended by other processes (default 500ms). */
  pollInterval?: Duration;
  /** Attempts at one event before the projection stops in `failed` (default 5). */
  maxAttempts?: number;
  /** Delay between attempts (default 100ms doubling up to 10s, with jitter). */
  backoff?: BackoffOptions;
  /** Drop the version this one replaced (its `drop` hook and checkpoint) right after switching (default false). */
  dropRetired?: boolean;
  clock?: Clock;
  /** Called for every failed attempt, for logging and metrics. */
  onError?: (error: unknown, failure: ProjectionFailure) => void;
}

/** `catching-up` until the head is first reached, then `live`; `failed` and `stopped` are final. */
export type ProjectionState = 'starting' | 'catching-up' | 'live' | 'failed' | 'stopped';

export interface ProjectionStatus {
  name: string;
  version: number;
  state: ProjectionState;
  /** `active` serves reads; `building` is a new version catching up beside it; `retired` was switched away from. */
  role: VersionRole | undefined;
  /** Checkpoint per topic (or `$all`). */
  position: Record<string, number>;
  /** The source's head per topic (or `$all`), read now. */
  head: Record<string, number>;
  /** Positions between checkpoint and head, summed over the source (unhandled types count until passed). */
  lag: number;
  /** Events this version's handlers applied, in total (across restarts). */
  applied: number;
  /** Failed attempts since this runner started. */
  errors: number;
  /** The last failure; cleared by the next successful commit (a failed projection keeps it). */
  lastError?: ProjectionFailure;
  /** Why a stopped projection stopped. */
  stoppedBy?: 'close' | 'retired' | 'superseded';
}

export interface ProjectionRunner {
  readonly name: string;
  readonly version: number;
  status(): Promise<ProjectionStatus>;
  /**
   * Resolves once everything up to the head (as it is when called) is applied and this version is
   * the active one (a new version: once it has switched); rejects if the runner stops first.
   */
  caughtUp(options?: { timeout?: Duration }): Promise<void>;
  /** Finishes the batch in progress, then stops. */
  close(): Promise<void>;
  /** Resolves when the runner stops, for whatever reason (see `status().state`). */
  readonly closed: Promise<void>;
}
