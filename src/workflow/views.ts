import type { FailureInfo } from '../log/shapes.js';

/**
 * What inspecting workflow instances returns (ops.ts, GET /v1/workflows/...). Types only, importing
 * only other types-only files: the browser console shares them through dashboard/tsconfig.wire.json.
 */
export type StepKind = 'step' | 'compensation';
export type InstanceStatus = 'running' | 'completed' | 'failed' | 'cancelled';

/** One attempt at a step, as its history records it. */
export interface AttemptRecord { attempt: number; startedAt: number; endedAt?: number; endRevision?: number; ms?: number; output?: unknown; error?: FailureInfo; final?: boolean; retryAt?: number; lost?: boolean }

export interface InstanceSummary {
  workflow: string;
  id: string;
  version: number;
  status: InstanceStatus;
  startedAt: number;
  endedAt?: number;
  error?: FailureInfo;
}

export interface StepView { seq: number; kind: StepKind; name: string; status: 'running' | 'completed' | 'failed' | 'retrying'; input?: unknown; attempts: AttemptRecord[] }

export interface InstanceView extends InstanceSummary {
  stream: string;
  revision: number;
  input: unknown;
  output?: unknown;
  parent?: { stream: string; seq: number };
  cancelRequested?: { reason?: string };
  steps: StepView[];
  timers: { timer: string; dueAt: number; firedAt?: number }[];
  waits: { seq: number; topic: string; type: string; match: Record<string, unknown>; receivedEventId?: string; timedOut: boolean }[];
  signals: { name: string; at: number; payload?: unknown }[];
  children: { seq: number; workflow: string; id: string; status: 'running' | 'completed' | 'failed' }[];
}
