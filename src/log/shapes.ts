import type { CloudEvent } from '../core/cloud-event.js';

/**
 * The log's records as the HTTP API returns them as JSON. Types only, importing only other
 * types-only files: the browser console shares them through dashboard/tsconfig.wire.json.
 */
export interface StoredEvent<T = unknown> {
  topic: string;
  position: number;
  /** When the log accepted the event (ms since epoch); non-decreasing within a topic. */
  appendedAt: number;
  event: CloudEvent<T>;
}

export interface FailureInfo {
  message: string;
  name?: string;
  code?: string;
  stack?: string;
}

export interface Retention {
  maxAgeMs?: number;
  maxCount?: number;
}

export interface TopicInfo {
  topic: string;
  /** Last position written (0 when empty). */
  head: number;
  /** First position still stored (head + 1 when empty). */
  first: number;
  count: number;
  retention: Retention;
}

export interface GroupInfo {
  topic: string;
  group: string;
  /** Next position the group has not yet taken from the log. */
  cursor: number;
  /** Events taken but not yet acked or dead-lettered (leased, waiting for retry, or parked). */
  pending: number;
  /** Events not yet acknowledged: pending plus what lies after the cursor. */
  lag: number;
}

/** Why and where a dead letter failed (carried in its `heralddlq` extension: see dead-letters.ts). */
export interface DeadLetterContext {
  topic: string;
  group: string;
  position: number;
  attempts: number;
  error: FailureInfo;
  failedAt: string;
  handler?: string;
  traceparent?: string;
}

export interface DeadLetter {
  /** Where the dead letter itself is stored. */
  dlqTopic: string;
  dlqPosition: number;
  /** The event as it was originally published. */
  event: CloudEvent;
  context: DeadLetterContext;
}
