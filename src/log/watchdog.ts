import { isHeraldError } from '../core/errors.js';
import { toMillis, type Duration } from '../core/duration.js';

/** What the watchdog says when a backend stops answering, again while it stays so, and once when it answers again. */
export interface StallReport {
  state: 'stalled' | 'resumed';
  backend: string;
  /** The oldest call still waiting (`append`, `fetch`, `settle`, `read`…), when one is. */
  operation?: string;
  topic?: string;
  /** Stalled: how long calls have gone unanswered. Resumed: how long the stall lasted. In ms. */
  durationMs: number;
  /** Backend calls in flight now. */
  inFlight: number;
  /** Stalls seen since the log was opened (this one included). */
  stalls: number;
  /** The last error, when calls fail (time out, connection refused) rather than hang. */
  error?: string;
}

export interface WatchdogStatus {
  backend: string;
  stalled: boolean;
  /** How long calls have gone unanswered (0 when they are answered). */
  stalledForMs: number;
  operation?: string;
  inFlight: number;
  stalls: number;
}

/** pino's (or console's) shape, so the application's logger can be passed as is. */
export interface StallLogger {
  warn(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
}

export interface WatchdogOptions {
  /** A backend call unanswered for this long is a stall (default 5s; a NATS client's ping interval plays the same part). */
  stallAfter?: Duration;
  /** How often a lasting stall is reported again (default: stallAfter). */
  repeatEvery?: Duration;
  /** Called on every report (stalled, stalled again, resumed). */
  onStall?: (report: StallReport) => void;
  /** Where the reports are logged (warn for stalled, info for resumed). */
  logger?: StallLogger;
  now?: () => number;
}

interface Call { operation: string; topic: string | undefined; started: number }

// Errors meaning "the backend did not answer", as opposed to an answer that is a refusal.
const NO_ANSWER = new Set(['HERALD_E_UNAVAILABLE', 'HERALD_E_TIMEOUT', 'HERALD_E_BUSY']);
const isNoAnswer = (error: unknown): boolean =>
  !isHeraldError(error) || NO_ANSWER.has(error.code);

/**
 * Watches the calls made to one backend. A stall is a call outstanding longer than `stallAfter`,
 * or calls failing without an answer (timeouts, refused connections) for that long; it ends
 * when a call succeeds and none is left waiting too long. Cheap on the hot path: a call is one
 * Map insert and delete (insertion order keeps the oldest first), and one interval looks at it.
 */
export class Watchdog {
  readonly stallAfterMs: number;
  private readonly repeatMs: number;
  private readonly now: () => number;
  private readonly calls = new Map<number, Call>();
  private readonly listeners = new Set<(report: StallReport) => void>();
  private next = 0;
  /** Start of the first call of a run of failed ones (cleared by a success). */
  private failingSince: number | undefined;
  private lastError: string | undefined;
  /** When the unanswered time of the current stall began (undefined: not stalled). */
  private stalledSince: number | undefined;
  private reportedAt = 0;
  private stalls = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(readonly backend: string, private readonly options: WatchdogOptions = {}) {
    this.stallAfterMs = toMillis(options.stallAfter ?? '5s', 'stallAfter');
    this.repeatMs = toMillis(options.repeatEvery ?? this.stallAfterMs, 'repeatEvery');
    this.now = options.now ?? Date.now;
    if (options.onStall) this.listeners.add(options.onStall);
    this.timer = setInterval(() => this.check(), Math.max(10, Math.min(1000, this.stallAfterMs / 5)));
    this.timer.unref();
  }

  /** Registers a call; the returned function ends it, with the error when it failed. */
  begin(operation: string, topic?: string): (error?: unknown) => void {
    const id = this.next++;
    this.calls.set(id, { operation, topic, started: this.now() });
    return (error) => this.end(id, error);
  }

  /**
   * A call made again and again in sequence (a read waiting for its next event): one entry,
   * re-armed by `begin`, so the hot path allocates nothing per call.
   */
  repeated(operation: string, topic?: string): { begin: () => void; end: () => void; fail: (error: unknown) => void } {
    const id = this.next++;
    const call: Call = { operation, topic, started: 0 };
    return {
      begin: () => { call.started = this.now(); this.calls.set(id, call); },
      end: () => { this.end(id, undefined); },
      fail: (error) => { this.end(id, error); },
    };
  }

  /** Calls `listener` with every report; returns the unsubscribe. */
  onStall(listener: (report: StallReport) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  status(): WatchdogStatus {
    const waiting = this.waitingSince();
    const oldest = this.oldest();
    const status: WatchdogStatus = {
      backend: this.backend, stalled: this.stalledSince !== undefined,
      stalledForMs: this.stalledSince === undefined || waiting === undefined ? 0 : this.now() - waiting,
      inFlight: this.calls.size, stalls: this.stalls,
    };
    if (oldest) status.operation = oldest.operation;
    return status;
  }

  /** Looks at the oldest call now (the interval does it too). */
  check(): void {
    const now = this.now();
    const waiting = this.waitingSince();
    const late = waiting !== undefined && now - waiting > this.stallAfterMs;
    if (late && this.stalledSince === undefined) {
      this.stalledSince = waiting;
      this.stalls++;
      this.report('stalled', now - waiting);
    } else if (late && now - this.reportedAt >= this.repeatMs) {
      this.report('stalled', now - waiting);
    } else if (!late && this.stalledSince !== undefined) {
      const lasted = now - this.stalledSince;
      this.stalledSince = undefined;
      this.report('resumed', lasted);
    }
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private end(id: number, error: unknown): void {
    const call = this.calls.get(id);
    if (!call) return;
    this.calls.delete(id);
    if (error !== undefined && isNoAnswer(error)) {
      this.failingSince ??= call.started;
      this.lastError = error instanceof Error ? error.message : JSON.stringify(error);
      return;
    }
    this.failingSince = undefined;
    this.lastError = undefined;
    if (this.stalledSince !== undefined) this.check();
  }

  private oldest(): Call | undefined {
    for (const call of this.calls.values()) return call;
    return undefined;
  }

  /** Since when calls have gone unanswered: the oldest in flight, or the first of a failing run. */
  private waitingSince(): number | undefined {
    const started = this.oldest()?.started;
    if (started === undefined) return this.failingSince;
    return this.failingSince === undefined ? started : Math.min(started, this.failingSince);
  }

  private report(state: StallReport['state'], durationMs: number): void {
    this.reportedAt = this.now();
    const oldest = this.oldest();
    const report: StallReport = { state, backend: this.backend, durationMs, inFlight: this.calls.size, stalls: this.stalls };
    if (state === 'stalled' && oldest) {
      report.operation = oldest.operation;
      if (oldest.topic !== undefined) report.topic = oldest.topic;
    }
    if (state === 'stalled' && this.lastError !== undefined) report.error = this.lastError;
    const { logger } = this.options;
    if (state === 'stalled') logger?.warn({ ...report }, `herald: the ${this.backend} backend has not answered for ${Math.round(durationMs / 1000)} s`);
    else logger?.info({ ...report }, `herald: the ${this.backend} backend answers again`);
    for (const listener of this.listeners) {
      try {
        listener(report);
      } catch {
        // A listener's failure must not stop the watchdog.
      }
    }
  }
}
