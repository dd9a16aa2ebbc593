/**
 * The JSON the console reads from the herald API (see docs/server.md and GET /openapi.json).
 * The server's own types live in src/ under the Node.js build; these mirror the wire format.
 */
export interface CloudEvent {
  id: string;
  source: string;
  type: string;
  specversion: string;
  subject?: string;
  time?: string;
  datacontenttype?: string;
  correlationid?: string;
  causationid?: string;
  data?: unknown;
  data_base64?: string;
  [extension: string]: unknown;
}

export interface StoredEvent { topic: string; position: number; appendedAt: number; event: CloudEvent }
export interface ReadPage { events: StoredEvent[]; next: number | null }
export interface Retention { maxAgeMs?: number; maxCount?: number }
export interface TopicInfo { topic: string; head: number; first: number; count: number; retention: Retention }
export interface GroupInfo { topic: string; group: string; cursor: number; pending: number; lag: number }
export interface InfoResponse { backend: string; version: string; tenant?: string; keyId?: string; permissions?: string[] }

export interface FailureInfo { message: string; code?: string; name?: string; stack?: string }
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
export interface DeadLetter { dlqTopic: string; dlqPosition: number; event: CloudEvent; context: DeadLetterContext }

/** 'ok', 'retry', 'dead-lettered', 'stale' (and any the server adds later). */
export type AttemptOutcome = string;
export interface FlowAttempt { attempt: number; outcome: AttemptOutcome; startedAt: number; durationMs: number; error?: FailureInfo }
export interface FlowHandling {
  group: string;
  handler?: string;
  outcome: AttemptOutcome;
  attempts: FlowAttempt[];
  deadLetter?: { topic: string; position: number; attempts: number; error: FailureInfo; failedAt: string };
}
export interface FlowNode {
  topic: string;
  position: number;
  appendedAt: number;
  offsetMs: number;
  event: CloudEvent;
  handlings: FlowHandling[];
  children: FlowNode[];
}
export interface Flow {
  correlationId: string;
  startedAt?: number;
  endedAt?: number;
  durationMs: number;
  events: number;
  attempts: number;
  roots: FlowNode[];
  truncated: boolean;
}

/** `<topic>.dlq.<group>`: the dead letters of one group on one topic. */
export function parseDeadLetterTopic(name: string): { topic: string; group: string } | undefined {
  const match = /^(.+)\.dlq\.([^.]+)$/.exec(name);
  return match ? { topic: match[1]!, group: match[2]! } : undefined;
}

export const deadLetterTopic = (topic: string, group: string): string => `${topic}.dlq.${group}`;
export const isInternalTopic = (topic: string): boolean => topic.startsWith('herald.');
