import type { CloudEvent } from '../core/envelope.js';
import { invalidArgument } from '../core/errors.js';
import { uuidv7Time } from '../core/ids.js';
import { parseDeadLetter } from '../log/dead-letters.js';
import { assertTopic, isDeadLetterTopic } from '../log/names.js';
import type { EventLog, FailureInfo, StartFrom, StoredEvent } from '../log/types.js';
import type { Flow, FlowAttempt, FlowHandling, FlowNode } from './flow.js';
import { OUTCOMES_TOPIC, parseOutcome, type OutcomeRecord } from './outcomes.js';

export type { Flow, FlowAttempt, FlowHandling, FlowNode } from './flow.js';

/**
 * Lineage: "what happened to order 123?" Every event of one flow (sharing a correlation id) as a
 * causal tree (parent = the event its `causationid` names), each with what every consumer group
 * did with it: the attempts recorded in the outcomes topic and the dead letters, with timings.
 */
export interface TraceFlowOptions {
  /** Where handler outcomes are recorded (default `herald.outcomes`); false: events and dead letters only. */
  outcomesTopic?: string | false;
  /** Read from this time on (default: from the correlation id's own time when it is a UUIDv7, less `skewMs`; else everything). */
  since?: number | Date;
  /** Clock skew allowed between producers when starting from a UUIDv7's time (default 5 min). */
  skewMs?: number;
  /** Only topics this allows are read (the server passes the caller's read permission). */
  readable?: (topic: string) => boolean;
  /** Stop after this many events of the flow (default 10,000). */
  maxEvents?: number;
}

const UUIDV7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;
/** herald's own topics (keys, audit, outcomes) are never part of a flow. */
const INTERNAL = 'herald.';

export function assertCorrelationId(value: unknown): asserts value is string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 256) {
    throw invalidArgument('correlationId must be a non-empty string of at most 256 characters', { field: 'correlationId' });
  }
}

/** The flow of `correlationId` across `topics` (default: every topic of the log but herald's own and dead-letter topics). */
export async function traceFlow(log: EventLog, topics: readonly string[] | undefined, correlationId: string, options: TraceFlowOptions = {}): Promise<Flow> {
  assertCorrelationId(correlationId);
  if (topics !== undefined && !Array.isArray(topics)) throw invalidArgument('topics must be a list of topic names', { field: 'topics' });
  topics?.forEach((t) => assertTopic(t));
  const readable = options.readable ?? (() => true);
  const all = (await log.topics()).map((t) => t.topic);
  const chosen = new Set((topics ?? all.filter((t) => !t.startsWith(INTERNAL) && !isDeadLetterTopic(t))).filter(readable));
  const from = startOf(log, correlationId, options);
  const maxEvents = options.maxEvents ?? 10_000;
  const found = new Map<string, FlowNode>();
  let truncated = false;
  const inFlow = (e: CloudEvent): boolean => e.id === correlationId || e.correlationid === correlationId;

  scan: for (const topic of chosen) {
    for await (const stored of readFrom(log, topic, from)) {
      if (!inFlow(stored.event) || found.has(stored.event.id)) continue;
      if (found.size >= maxEvents) { truncated = true; break scan; }
      found.set(stored.event.id, node(stored));
    }
  }
  const handlings = new Map<FlowNode, Map<string, FlowHandling>>();
  const handlingOf = (n: FlowNode, group: string): FlowHandling => {
    let byGroup = handlings.get(n);
    if (!byGroup) handlings.set(n, (byGroup = new Map()));
    let h = byGroup.get(group);
    if (!h) byGroup.set(group, (h = { group, outcome: 'ok', attempts: [] }));
    return h;
  };
  let attempts = 0;
  const outcomes = options.outcomesTopic === undefined ? OUTCOMES_TOPIC : options.outcomesTopic;
  if (outcomes !== false && all.includes(outcomes)) {
    for await (const stored of readFrom(log, outcomes, from)) {
      if (stored.event.correlationid !== correlationId) continue;
      const record = parseOutcome(stored);
      const n = record && found.get(record.eventId);
      if (!record || !n || n.topic !== record.topic) continue; // only events the caller may read
      addAttempt(handlingOf(n, record.group), record);
      attempts++;
    }
  }
  for (const dlq of all.filter((t) => isDeadLetterTopic(t) && chosen.has(t.replace(/\.dlq\.[^.]+$/, '')))) {
    for await (const stored of readFrom(log, dlq, from)) {
      const n = inFlow(stored.event) ? found.get(stored.event.id) : undefined;
      if (!n) continue;
      const letter = parseDeadLetter(stored);
      const h = handlingOf(n, letter.context.group);
      h.outcome = 'dead-lettered';
      const { message, code, name } = letter.context.error; // never the stack: it is for the dead-letter tools
      const error: FailureInfo = { message, ...(code === undefined ? {} : { code }), ...(name === undefined ? {} : { name }) };
      h.deadLetter = { topic: dlq, position: stored.position, attempts: letter.context.attempts, error, failedAt: letter.context.failedAt };
    }
  }
  for (const [n, byGroup] of handlings) n.handlings = [...byGroup.values()].sort((a, b) => firstStart(a) - firstStart(b) || a.group.localeCompare(b.group));
  return assemble(correlationId, [...found.values()], attempts, truncated);
}

function node(stored: StoredEvent): FlowNode {
  return { topic: stored.topic, position: stored.position, appendedAt: stored.appendedAt, offsetMs: 0, event: stored.event, handlings: [], children: [] };
}

function startOf(log: EventLog, correlationId: string, options: TraceFlowOptions): StartFrom {
  if (options.since !== undefined) return { time: options.since instanceof Date ? options.since.getTime() : options.since };
  if (log.capabilities.readByTime && UUIDV7.test(correlationId)) return { time: Math.max(0, uuidv7Time(correlationId) - (options.skewMs ?? 300_000)) };
  return 'earliest';
}

function readFrom(log: EventLog, topic: string, from: StartFrom): AsyncIterable<StoredEvent> {
  return log.read(topic, { from });
}

function addAttempt(h: FlowHandling, record: OutcomeRecord): void {
  const attempt: FlowAttempt = { attempt: record.attempt, outcome: record.outcome, startedAt: record.startedAt, durationMs: record.durationMs };
  if (record.error) attempt.error = record.error;
  if (record.handler !== undefined) h.handler = record.handler;
  h.attempts.push(attempt);
  h.attempts.sort((a, b) => a.startedAt - b.startedAt || a.attempt - b.attempt);
  if (h.outcome !== 'dead-lettered' || h.deadLetter === undefined) h.outcome = h.attempts[h.attempts.length - 1]!.outcome;
}

const firstStart = (h: FlowHandling): number => h.attempts[0]?.startedAt ?? Number.MAX_SAFE_INTEGER;
const byTime = (a: FlowNode, b: FlowNode): number => a.appendedAt - b.appendedAt || a.topic.localeCompare(b.topic) || a.position - b.position;

/** Links each event under its cause; an event whose cause is not in the flow (or a causation cycle) becomes a root. */
function assemble(correlationId: string, nodes: FlowNode[], attempts: number, truncated: boolean): Flow {
  nodes.sort(byTime);
  const byId = new Map(nodes.map((n) => [n.event.id, n]));
  const parentOf = new Map<FlowNode, FlowNode>();
  for (const n of nodes) {
    const cause = typeof n.event.causationid === 'string' ? byId.get(n.event.causationid) : undefined;
    if (cause && cause !== n) parentOf.set(n, cause);
  }
  const childrenOf = new Map<FlowNode, FlowNode[]>();
  for (const n of nodes) {
    const parent = parentOf.get(n);
    if (!parent) continue;
    const siblings = childrenOf.get(parent);
    if (siblings) siblings.push(n);
    else childrenOf.set(parent, [n]);
  }
  const roots: FlowNode[] = [];
  const placed = new Set<FlowNode>();
  const place = (root: FlowNode): void => {
    placed.add(root);
    roots.push(root);
    const stack = [root];
    for (let n = stack.pop(); n; n = stack.pop()) {
      for (const child of childrenOf.get(n) ?? []) {
        if (placed.has(child)) continue;
        placed.add(child);
        n.children.push(child);
        stack.push(child);
      }
    }
  };
  for (const n of nodes) if (!parentOf.has(n)) place(n);
  for (const n of nodes) if (!placed.has(n)) place(n); // a cycle of causes: its earliest event becomes a root
  const startedAt = nodes[0]?.appendedAt;
  let endedAt = startedAt;
  for (const n of nodes) {
    n.offsetMs = n.appendedAt - startedAt!;
    endedAt = Math.max(endedAt!, n.appendedAt);
    for (const h of n.handlings) for (const a of h.attempts) endedAt = Math.max(endedAt, a.startedAt + a.durationMs);
  }
  const flow: Flow = { correlationId, durationMs: startedAt === undefined ? 0 : endedAt! - startedAt, events: nodes.length, attempts, roots, truncated };
  if (startedAt !== undefined) { flow.startedAt = startedAt; flow.endedAt = endedAt!; }
  return flow;
}

const ms = (value: number): string => (value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${Number(value.toFixed(value < 10 ? 2 : 0))} ms`);

function describeHandling(h: FlowHandling): string {
  const name = h.handler !== undefined && h.handler !== h.group ? `${h.group} (${h.handler})` : h.group;
  const mark = h.outcome === 'ok' ? '✓' : h.outcome === 'dead-lettered' ? '✗' : '…';
  const parts = h.attempts.map((a) => `#${a.attempt} ${a.outcome} ${ms(a.durationMs)}${a.error ? `: ${a.error.message}` : ''}`);
  if (h.deadLetter) {
    const said = h.attempts.at(-1)?.error?.message === h.deadLetter.error.message;
    parts.push(`dead letter ${h.deadLetter.topic}#${h.deadLetter.position}${said ? '' : `: ${h.deadLetter.error.message}`}`);
  }
  return `${mark} [${name}] ${h.outcome}${parts.length > 0 ? ` — ${parts.join('; ')}` : ''}`;
}

/** The flow as text lines: a summary, then each event with its topic, position and time since the flow began, and what each group did. */
export function renderFlow(flow: Flow): string[] {
  const summary = `flow ${flow.correlationId}: ${flow.events} event${flow.events === 1 ? '' : 's'} in ${ms(flow.durationMs)}${flow.truncated ? ' (truncated)' : ''}`;
  return [summary, ...renderTree(flow.roots)];
}

/** The causal tree alone, one line per event and per handling. */
export function renderTree(roots: readonly FlowNode[]): string[] {
  const lines: string[] = [];
  const walk = (nodes: readonly FlowNode[], indent: string): void => {
    nodes.forEach((n, i) => {
      const last = i === nodes.length - 1;
      lines.push(`${indent}${last ? '└─' : '├─'} ${n.event.type}  ${n.topic}#${n.position}  +${ms(n.offsetMs)}`);
      const inner = indent + (last ? '   ' : '│  ');
      const bar = n.children.length > 0 ? '│' : ' ';
      for (const h of n.handlings) lines.push(`${inner}${bar}  ${describeHandling(h)}`);
      walk(n.children, inner);
    });
  };
  walk(roots, '');
  return lines;
}
