import type { FailureInfo } from './wire.js';

/** The workflow views of GET /v1/workflows/... (src/workflow/ops.ts). */
export type InstanceStatus = 'running' | 'completed' | 'failed' | 'cancelled';
export interface InstanceSummary { workflow: string; id: string; version: number; status: InstanceStatus; startedAt: number; endedAt?: number; error?: FailureInfo }
export interface StepAttempt { attempt: number; startedAt: number; endedAt?: number; ms?: number; output?: unknown; error?: FailureInfo; final?: boolean; retryAt?: number; lost?: boolean }
export interface StepView { seq: number; kind: 'step' | 'compensation'; name: string; status: 'running' | 'completed' | 'failed' | 'retrying'; input?: unknown; attempts: StepAttempt[] }
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
export const INSTANCE_STATUSES: readonly InstanceStatus[] = ['running', 'completed', 'failed', 'cancelled'];
