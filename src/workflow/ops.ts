import { HeraldError, invalidArgument } from '../core/errors.js';
import type { StreamStore } from '../log/streams.js';
import { applyHistory, emptyFold, foldHistory, H, type Folded, type InstanceStatus } from './history.js';
import { assertInstanceId, assertWorkflowName, instanceStream, parseInstanceStream, WORKFLOW_CATEGORY } from './names.js';
import { historyEvent, loadHistory, toHistoryEvent } from './recorder.js';
import type { InstanceSummary, InstanceView, StepView } from './views.js';

export type { InstanceSummary, InstanceView, StepView } from './views.js';

/**
 * Operations on instances that need only the log: list, inspect, cancel, retry, signal. Cancel,
 * retry and signal append an input event to the instance's stream; the runner that drives the
 * instance picks it up (in this process or another one sharing the log).
 */

export interface ListOptions { workflow?: string; status?: InstanceStatus; limit?: number }

const summaryOf = (f: Folded): InstanceSummary => ({
  workflow: f.started!.workflow, id: f.started!.id, version: f.started!.version, status: f.status, startedAt: f.started!.at,
  ...(f.endedAt === undefined ? {} : { endedAt: f.endedAt }), ...(f.error ? { error: f.error } : {}),
});

/** Instances, newest first, by workflow and status. */
export async function listInstances(streams: StreamStore, options: ListOptions = {}): Promise<InstanceSummary[]> {
  if (options.workflow !== undefined) assertWorkflowName(options.workflow);
  const limit = options.limit ?? 100;
  if (!Number.isInteger(limit) || limit < 1) throw invalidArgument('limit must be a positive integer', { field: 'limit' });
  const folds = new Map<string, Folded>();
  const types = [H.started, H.retried, H.completed, H.failed, H.cancelled];
  for await (const e of streams.readAll({ category: WORKFLOW_CATEGORY, types })) {
    if (options.workflow !== undefined && parseInstanceStream(e.stream)?.workflow !== options.workflow) continue;
    let f = folds.get(e.stream);
    if (!f) { f = emptyFold(); folds.set(e.stream, f); }
    applyHistory(f, toHistoryEvent(e));
  }
  return [...folds.values()].filter((f) => f.started && (options.status === undefined || f.status === options.status))
    .map(summaryOf).sort((a, b) => b.startedAt - a.startedAt).slice(0, limit);
}

async function folded(streams: StreamStore, workflow: string, id: string): Promise<{ stream: string; f: Folded }> {
  const stream = instanceStream(workflow, id);
  const f = foldHistory((await loadHistory(streams, stream)).map(toHistoryEvent));
  if (!f.started) throw new HeraldError('HERALD_E_NOT_FOUND', `no instance ${id} of workflow ${workflow}`, { details: { workflow, id } });
  return { stream, f };
}

/** An instance's state and step history: inputs, outputs, errors and timings of every attempt. */
export async function inspectInstance(streams: StreamStore, workflow: string, id: string): Promise<InstanceView> {
  const { stream, f } = await folded(streams, workflow, id);
  const steps = [...f.steps.values()].sort((a, b) => a.seq - b.seq).map((s): StepView => {
    const last = s.attempts.at(-1);
    const status = last?.endedAt === undefined ? 'running' : last.error === undefined ? 'completed' : last.final ? 'failed' : 'retrying';
    return { seq: s.seq, kind: s.kind, name: s.name, status, ...(s.input === undefined ? {} : { input: s.input }), attempts: s.attempts };
  });
  return {
    ...summaryOf(f), stream, revision: f.revision, input: f.started!.input,
    ...(f.output === undefined ? {} : { output: f.output }),
    ...(f.started!.parent ? { parent: f.started!.parent } : {}),
    ...(f.cancelRequested ? { cancelRequested: f.cancelRequested.reason === undefined ? {} : { reason: f.cancelRequested.reason } } : {}),
    steps,
    timers: [...f.timers].map(([timer, t]) => ({ timer, dueAt: t.dueAt, ...(t.firedAt === undefined ? {} : { firedAt: t.firedAt }) })),
    waits: [...f.waits.values()].map((w) => ({ seq: w.seq, topic: w.topic, type: w.type, match: w.match, timedOut: w.timedOut === true, ...(w.received ? { receivedEventId: w.received.event.id } : {}) })),
    signals: [...f.signals].flatMap(([name, list]) => list.map((s) => ({ name, at: s.at, ...(s.payload === undefined ? {} : { payload: s.payload }) }))),
    children: [...f.children.values()].map((c) => ({ seq: c.seq, workflow: c.workflow, id: c.id, status: !c.done ? 'running' : c.done.error ? 'failed' : 'completed' })),
  };
}

async function appendInput(streams: StreamStore, workflow: string, id: string, type: string, data: unknown, allowed: (f: Folded) => string | undefined, source: string): Promise<void> {
  const { stream, f } = await folded(streams, workflow, id);
  const refusal = allowed(f);
  if (refusal) throw invalidArgument(`instance ${id} of workflow ${workflow} ${refusal}`, { field: 'id', status: f.status });
  await streams.appendToStream(stream, [historyEvent(stream, source, { type, data })]);
}

const SOURCE = 'urn:herald:workflow';
const mustRun = (f: Folded): string | undefined => (f.status === 'running' ? undefined : `is ${f.status}`);

/** Asks the instance to stop: waits reject with HERALD_E_CANCELLED (a saga then compensates). */
export function cancelInstance(streams: StreamStore, workflow: string, id: string, reason?: string, source = SOURCE): Promise<void> {
  if (reason !== undefined && typeof reason !== 'string') throw invalidArgument('reason must be a string', { field: 'reason' });
  return appendInput(streams, workflow, id, H.cancelRequested, reason === undefined ? {} : { reason }, mustRun, source);
}

/** Runs a failed instance again from the step that failed (the steps that succeeded are replayed). */
export function retryInstance(streams: StreamStore, workflow: string, id: string, source = SOURCE): Promise<void> {
  return appendInput(streams, workflow, id, H.retried, {}, (f) => (f.status === 'failed' ? undefined : `is ${f.status}, not failed`), source);
}

/** Sends a signal; `ctx.waitForSignal(name)` takes signals of a name in the order they came. */
export function signalInstance(streams: StreamStore, workflow: string, id: string, name: string, payload?: unknown, source = SOURCE): Promise<void> {
  assertInstanceId(name, 'name');
  return appendInput(streams, workflow, id, H.signalReceived, payload === undefined ? { name } : { name, payload }, mustRun, source);
}
