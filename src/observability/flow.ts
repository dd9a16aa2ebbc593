import type { AttemptOutcome } from '../consumer/attempt-outcome.js';
import type { CloudEvent } from '../core/cloud-event.js';
import type { FailureInfo } from '../log/shapes.js';

/**
 * A flow as traceFlow (lineage.ts) builds it and GET /v1/lineage returns it. Types only, importing
 * only other types-only files: the browser console shares them through dashboard/tsconfig.wire.json.
 */
export interface FlowAttempt {
  attempt: number;
  outcome: AttemptOutcome;
  /** ms since epoch */
  startedAt: number;
  durationMs: number;
  error?: { message: string; code?: string; name?: string };
}

export interface FlowHandling {
  group: string;
  handler?: string;
  /** The last known outcome: the last attempt's, or dead-lettered when a dead letter says so. */
  outcome: AttemptOutcome;
  attempts: FlowAttempt[];
  deadLetter?: { topic: string; position: number; attempts: number; error: FailureInfo; failedAt: string };
}

export interface FlowNode {
  topic: string;
  position: number;
  appendedAt: number;
  /** ms after the flow's first event was appended */
  offsetMs: number;
  event: CloudEvent;
  handlings: FlowHandling[];
  children: FlowNode[];
}

export interface Flow {
  correlationId: string;
  /** When the first event was appended, and when the last thing (append or attempt) ended (ms since epoch). */
  startedAt?: number;
  endedAt?: number;
  durationMs: number;
  events: number;
  /** Handler attempts found in the outcomes topic (0 when outcomes are not recorded). */
  attempts: number;
  roots: FlowNode[];
  /** The scan stopped at `maxEvents`. */
  truncated: boolean;
}
