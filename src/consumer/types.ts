import type { CloudEvent } from '../core/envelope.js';
import type { Duration } from '../core/duration.js';
import type { Delivery, StartFrom } from '../log/types.js';
import type { AttemptOutcome } from './attempt-outcome.js';
import type { Capability } from './requirements.js';

export interface HandlerContext {
  /** Where the event came from: topic, position, group, attempt (1 on first delivery). */
  readonly delivery: Omit<Delivery, 'event'>;
  /** Aborted when the handler times out or the subscription is closed without waiting. */
  readonly signal: AbortSignal;
}

export type Handler<T = unknown, C extends HandlerContext = HandlerContext> = (event: CloudEvent<T>, ctx: C) => Promise<void> | void;

/** A middleware wraps a handler; compose them outermost first. */
export type Middleware = (next: Handler) => Handler;

export interface BackoffOptions {
  initial?: Duration;
  max?: Duration;
  multiplier?: number;
}

export interface SubscribeOptions {
  group: string;
  /** Where a new group starts (default: earliest). */
  from?: StartFrom;
  /** Handlers running at once, across different keys (default 8). */
  concurrency?: number;
  /** Deliveries held at once, running or queued (default 256): memory stays bounded by it. */
  maxInFlight?: number;
  /** Attempts before the event is dead-lettered (default 5). */
  maxAttempts?: number;
  backoff?: BackoffOptions;
  /** How long a delivery is held before another consumer may take it (default 30s); renewed while handling. */
  lease?: Duration;
  /** How often an idle subscription looks for events appended by other processes (default 250ms). */
  pollInterval?: Duration;
  middleware?: readonly Middleware[];
  /** Named in dead letters and logs. */
  name?: string;
  /**
   * Guarantees the handler relies on; subscribing fails at once (HERALD_E_UNSUPPORTED, naming the
   * capability) on a backend that cannot give them, e.g. `['durable', 'keyOrder']`.
   */
  requires?: readonly Capability[];
  /** Called for every failed attempt and every stale ack, for logging and metrics. */
  onError?: (error: unknown, delivery?: Delivery) => void;
  /** Watches every attempt (tracing, metrics, outcome records); see `SubscriptionObserver`. */
  observer?: SubscriptionObserver;
}

export type { AttemptOutcome } from './attempt-outcome.js';

/**
 * Watches a subscription's deliveries. The runner calls `attempt` when it starts on a delivery,
 * runs the handler through the attempt's `run`, then calls `end` once. It must be cheap and must
 * not throw: it runs on the hot path of every event.
 */
export interface SubscriptionObserver {
  attempt(delivery: Delivery): ObservedAttempt;
  /** A batched ack of a handled event came after its lease was lost: the event will be delivered again. */
  staleAck?(position: number): void;
}

export interface ObservedAttempt {
  /** Runs the handler (e.g. with the attempt's span as the active context). */
  run<R>(work: () => Promise<R>): Promise<R>;
  /** `error`: why the attempt failed (retry, dead-lettered) or its lease was lost (stale). */
  end(outcome: AttemptOutcome, error?: unknown): void;
}

export interface SubscriptionStats {
  handled: number;
  failed: number;
  deadLettered: number;
  stale: number;
  inFlight: number;
}

export interface Subscription {
  readonly topic: string;
  readonly group: string;
  stats(): SubscriptionStats;
  /** Stops fetching, gives back what has not started, waits for running handlers (up to `timeout`). */
  close(options?: { timeout?: Duration }): Promise<void>;
  /** Resolves when the subscription has stopped (closed or failed). */
  readonly closed: Promise<void>;
}
