import type { CloudEvent } from '../core/envelope.js';
import type { FailureInfo } from '../log/types.js';
import type { AttemptRecord, InstanceStatus, StepKind } from './views.js';

export type { AttemptRecord, InstanceStatus, StepKind } from './views.js';

/** The types of an instance's history events. */
export const H = {
  started: 'workflow.started',
  stepScheduled: 'workflow.step.scheduled',
  stepCompleted: 'workflow.step.completed',
  stepFailed: 'workflow.step.failed',
  compensationScheduled: 'workflow.compensation.scheduled',
  compensationCompleted: 'workflow.compensation.completed',
  compensationFailed: 'workflow.compensation.failed',
  timerScheduled: 'workflow.timer.scheduled',
  timerFired: 'workflow.timer.fired',
  eventWaiting: 'workflow.event.waiting',
  eventReceived: 'workflow.event.received',
  eventTimedOut: 'workflow.event.timed-out',
  signalReceived: 'workflow.signal.received',
  childStarted: 'workflow.child.started',
  childCompleted: 'workflow.child.completed',
  childFailed: 'workflow.child.failed',
  cancelRequested: 'workflow.cancel.requested',
  retried: 'workflow.retried',
  completed: 'workflow.completed',
  failed: 'workflow.failed',
  cancelled: 'workflow.cancelled',
} as const;

/** Events that come from outside the instance's own code and make it run again. */
export const INPUT_TYPES: ReadonlySet<string> = new Set([
  H.started, H.timerFired, H.eventReceived, H.signalReceived, H.childCompleted, H.childFailed, H.cancelRequested, H.retried,
]);
export const TERMINAL_TYPES: ReadonlySet<string> = new Set([H.completed, H.failed, H.cancelled]);


export interface StartedData {
  workflow: string;
  id: string;
  version: number;
  input: unknown;
  parent?: { stream: string; seq: number };
  /** The event that started it (a trigger). */
  trigger?: { topic: string; id: string; type: string };
}
export interface StepScheduledData { seq: number; name: string; attempt: number; input?: unknown }
export interface StepCompletedData { seq: number; name: string; attempt: number; output?: unknown; ms: number }
export interface StepFailedData { seq: number; name: string; attempt: number; error: FailureInfo; ms: number; final: boolean; retryAt?: number }
export interface TimerScheduledData { seq: number; timer: string; dueAt: number; stream: string }
export interface TimerFiredData { timer: string }
export interface EventWaitingData { seq: number; topic: string; type: string; match: Record<string, unknown>; since: number; timer?: string }
export interface EventReceivedData { seq: number; event: CloudEvent }
export interface SignalData { name: string; payload?: unknown }
export interface ChildStartedData { seq: number; workflow: string; id: string; stream: string }
export interface ChildDoneData { seq: number; output?: unknown; error?: FailureInfo }

/** One recorded event of a history, with where it is in the stream. */
export interface HistoryEvent { revision: number; at: number; type: string; data: unknown }

export interface StepRecord { seq: number; kind: StepKind; name: string; input?: unknown; attempts: AttemptRecord[]; revision: number }
export type Command =
  | { seq: number; kind: 'step' | 'compensation'; name: string }
  | { seq: number; kind: 'timer'; name: string }
  | { seq: number; kind: 'wait'; name: string }
  | { seq: number; kind: 'child'; name: string };

/** An instance's history folded into what replay and inspection need. */
export interface Folded {
  started?: StartedData & { at: number; eventId: string; correlationid?: string };
  status: InstanceStatus;
  revision: number;
  output?: unknown;
  error?: FailureInfo;
  endedAt?: number;
  /** The command each seq recorded (the determinism check compares against it). */
  commands: Map<number, Command>;
  steps: Map<number, StepRecord>;
  /** Retry markers after which failed steps run again. */
  retriedAt: number[];
  timers: Map<string, { seq: number; dueAt: number; revision: number; firedRevision?: number; firedAt?: number }>;
  waits: Map<number, EventWaitingData & { revision: number; received?: { revision: number; event: CloudEvent }; timedOut?: boolean }>;
  signals: Map<string, { revision: number; at: number; payload?: unknown }[]>;
  children: Map<number, ChildStartedData & { revision: number; done?: { revision: number; output?: unknown; error?: FailureInfo } }>;
  cancelRequested?: { revision: number; reason?: string };
}

export function emptyFold(): Folded {
  return { status: 'running', revision: 0, commands: new Map(), steps: new Map(), retriedAt: [], timers: new Map(), waits: new Map(), signals: new Map(), children: new Map() };
}

function stepOf(f: Folded, kind: StepKind, d: { seq: number; name: string }, revision: number): StepRecord {
  let s = f.steps.get(d.seq);
  if (!s) {
    s = { seq: d.seq, kind, name: d.name, attempts: [], revision };
    f.steps.set(d.seq, s);
    f.commands.set(d.seq, { seq: d.seq, kind, name: d.name });
  }
  return s;
}

/** Applies one history event (in revision order). */
export function applyHistory(f: Folded, e: HistoryEvent & { id?: string; correlationid?: string }): void {
  f.revision = e.revision;
  switch (e.type) {
    case H.started: {
      const d = e.data as StartedData;
      f.started = { ...d, at: e.at, eventId: e.id ?? '', ...(e.correlationid === undefined ? {} : { correlationid: e.correlationid }) };
      return;
    }
    case H.stepScheduled: case H.compensationScheduled: {
      const d = e.data as StepScheduledData;
      const s = stepOf(f, e.type === H.stepScheduled ? 'step' : 'compensation', d, e.revision);
      const last = s.attempts.at(-1);
      if (last && last.endedAt === undefined) last.lost = true;
      if (d.input !== undefined) s.input = d.input;
      s.attempts.push({ attempt: d.attempt, startedAt: e.at });
      return;
    }
    case H.stepCompleted: case H.compensationCompleted: case H.stepFailed: case H.compensationFailed: {
      const d = e.data as StepCompletedData & Partial<StepFailedData>;
      const s = stepOf(f, e.type.startsWith('workflow.step') ? 'step' : 'compensation', d, e.revision);
      let a = s.attempts.find((x) => x.attempt === d.attempt);
      if (!a) { a = { attempt: d.attempt, startedAt: e.at - d.ms }; s.attempts.push(a); }
      Object.assign(a, { endedAt: e.at, endRevision: e.revision, ms: d.ms }, d.error ? { error: d.error, final: d.final, ...(d.retryAt === undefined ? {} : { retryAt: d.retryAt }) } : { output: d.output });
      return;
    }
    case H.timerScheduled: {
      const d = e.data as TimerScheduledData;
      f.timers.set(d.timer, { seq: d.seq, dueAt: d.dueAt, revision: e.revision });
      if (!f.commands.has(d.seq)) f.commands.set(d.seq, { seq: d.seq, kind: 'timer', name: d.timer });
      return;
    }
    case H.timerFired: {
      const t = f.timers.get((e.data as TimerFiredData).timer);
      if (t && t.firedRevision === undefined) { t.firedRevision = e.revision; t.firedAt = e.at; }
      return;
    }
    case H.eventWaiting: {
      const d = e.data as EventWaitingData;
      f.waits.set(d.seq, { ...d, revision: e.revision });
      f.commands.set(d.seq, { seq: d.seq, kind: 'wait', name: d.type });
      return;
    }
    case H.eventReceived: {
      const d = e.data as EventReceivedData;
      const w = f.waits.get(d.seq);
      if (w && !w.received) w.received = { revision: e.revision, event: d.event };
      return;
    }
    case H.eventTimedOut: {
      const w = f.waits.get((e.data as { seq: number }).seq);
      if (w) w.timedOut = true;
      return;
    }
    case H.signalReceived: {
      const d = e.data as SignalData;
      const list = f.signals.get(d.name) ?? [];
      list.push({ revision: e.revision, at: e.at, payload: d.payload });
      f.signals.set(d.name, list);
      return;
    }
    case H.childStarted: {
      const d = e.data as ChildStartedData;
      f.children.set(d.seq, { ...d, revision: e.revision });
      f.commands.set(d.seq, { seq: d.seq, kind: 'child', name: d.workflow });
      return;
    }
    case H.childCompleted: case H.childFailed: {
      const d = e.data as ChildDoneData;
      const c = f.children.get(d.seq);
      if (c && !c.done) c.done = { revision: e.revision, ...(d.error ? { error: d.error } : { output: d.output }) };
      return;
    }
    case H.cancelRequested:
      f.cancelRequested ??= { revision: e.revision, ...((e.data as { reason?: string } | undefined)?.reason === undefined ? {} : { reason: (e.data as { reason: string }).reason }) };
      return;
    case H.retried:
      if (f.status === 'failed') { f.status = 'running'; delete f.error; delete f.endedAt; }
      f.retriedAt.push(e.revision);
      return;
    case H.completed:
      f.status = 'completed'; f.output = (e.data as { output?: unknown }).output; f.endedAt = e.at;
      return;
    case H.failed:
      f.status = 'failed'; f.error = (e.data as { error: FailureInfo }).error; f.endedAt = e.at;
      return;
    case H.cancelled:
      f.status = 'cancelled'; f.endedAt = e.at;
      return;
  }
}

export function foldHistory(events: Iterable<HistoryEvent & { id?: string; correlationid?: string }>): Folded {
  const f = emptyFold();
  for (const e of events) applyHistory(f, e);
  return f;
}
