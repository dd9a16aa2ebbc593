/**
 * A Jepsen-style history of one fault test and the checker every fault test shares.
 *
 * Appends are logged as invoke, then ok (acked, with its position), fail (definitely not written)
 * or info (unknown outcome). Reads log what a reader saw: a full `read` of a topic, or one
 * `deliver` to a consumer group. `check` then reports every anomaly of the plan:
 * lost, duplicate, reordered, inconsistent position, aborted read, skip and gap.
 */
export type OpType = 'invoke' | 'ok' | 'fail' | 'info';

export type Op =
  | { index: number; f: 'append'; type: OpType; process: string; topic: string; key: string; id: string; position?: number }
  | { index: number; f: 'read'; type: 'ok'; topic: string; events: readonly Seen[] }
  | { index: number; f: 'deliver'; type: 'ok'; topic: string; group: string; key: string; id: string; position: number };

export interface Seen { position: number; id: string; key: string }

export type AnomalyKind = 'lost' | 'duplicate' | 'reordered' | 'inconsistent-position' | 'aborted-read' | 'skip' | 'gap';

export interface Anomaly { kind: AnomalyKind; topic: string; group?: string; message: string }

export interface CheckOptions {
  /** Positions must run from the first read to the last without holes (embedded backends). */
  contiguous?: boolean;
  /** Groups that claim exactly-once effects: a second delivery of one id is a duplicate. */
  exactlyOnceGroups?: readonly string[];
}

type AppendOp = Extract<Op, { f: 'append' }>;

export class History {
  readonly ops: Op[] = [];
  private readonly open = new Map<string, AppendOp>();

  invoke(process: string, topic: string, key: string, id: string): void {
    if (this.open.has(id)) throw new Error(`append ${id} invoked twice`);
    const op: AppendOp = { index: this.ops.length, f: 'append', type: 'invoke', process, topic, key, id };
    this.ops.push(op);
    this.open.set(id, op);
  }

  /** Acked; `position` may be unknown when the ack is not the append (an outbox commit: a relay appends later). */
  ok(id: string, position?: number): void { this.complete(id, 'ok', position); }
  fail(id: string): void { this.complete(id, 'fail'); }
  info(id: string): void { this.complete(id, 'info'); }

  /** Every append still open gets an unknown outcome (the process was killed, say). */
  infoAllOpen(): void { for (const id of [...this.open.keys()]) this.info(id); }

  read(topic: string, events: readonly Seen[]): void {
    this.ops.push({ index: this.ops.length, f: 'read', type: 'ok', topic, events });
  }

  deliver(topic: string, group: string, seen: Seen): void {
    this.ops.push({ index: this.ops.length, f: 'deliver', type: 'ok', topic, group, ...seen });
  }

  private complete(id: string, type: 'ok' | 'fail' | 'info', position?: number): void {
    const invoked = this.open.get(id);
    if (!invoked) throw new Error(`append ${id} completed without an invoke`);
    this.open.delete(id);
    const op: AppendOp = { ...invoked, index: this.ops.length, type };
    if (position !== undefined) op.position = position;
    this.ops.push(op);
  }
}

export interface CheckResult {
  anomalies: Anomaly[];
  counts: Record<AnomalyKind, number> & { acked: number; failed: number; unknown: number; read: number };
}

export function check(ops: readonly Op[], options: CheckOptions = {}): CheckResult {
  const anomalies: Anomaly[] = [];
  const topics = new Set(ops.map((op) => op.topic));
  for (const topic of topics) checkTopic(ops.filter((op) => op.topic === topic), topic, options, anomalies);
  const appends = ops.filter((op): op is AppendOp => op.f === 'append');
  const counts = {
    lost: 0, duplicate: 0, reordered: 0, 'inconsistent-position': 0, 'aborted-read': 0, skip: 0, gap: 0,
    acked: appends.filter((op) => op.type === 'ok').length,
    failed: appends.filter((op) => op.type === 'fail').length,
    unknown: appends.filter((op) => op.type === 'info').length,
    read: new Set(ops.flatMap((op) => (op.f === 'read' ? op.events.map((e) => e.id) : []))).size,
  };
  for (const anomaly of anomalies) counts[anomaly.kind]++;
  return { anomalies, counts };
}

/** A short text for an assertion message: the counts and the first few anomalies. */
export function describeResult(result: CheckResult, max = 10): string {
  const lines = result.anomalies.slice(0, max).map((a) => `  ${a.kind} ${a.topic}${a.group ? `/${a.group}` : ''}: ${a.message}`);
  return [JSON.stringify(result.counts), ...lines].join('\n');
}

function checkTopic(ops: readonly Op[], topic: string, options: CheckOptions, out: Anomaly[]): void {
  const report = (kind: AnomalyKind, message: string, group?: string): void => {
    out.push(group === undefined ? { kind, topic, message } : { kind, topic, group, message });
  };
  const invokes = new Map<string, AppendOp>();
  const acked = new Map<string, AppendOp>();
  const failed = new Set<string>();
  for (const op of ops) {
    if (op.f !== 'append') continue;
    if (op.type === 'invoke') invokes.set(op.id, op);
    else if (op.type === 'ok') acked.set(op.id, op);
    else if (op.type === 'fail') failed.add(op.id);
  }

  // One position holds one id, and an id keeps the position it was acked at.
  const atPosition = new Map<number, string>();
  const positionOf = new Map<string, number>();
  const place = (id: string, position: number, where: string): void => {
    const holder = atPosition.get(position);
    if (holder !== undefined && holder !== id) report('inconsistent-position', `position ${position} holds ${holder} and ${id} (${where})`);
    else atPosition.set(position, id);
    const known = positionOf.get(id);
    if (known === undefined) positionOf.set(id, position);
    else if (known !== position) report('duplicate', `${id} stored at positions ${known} and ${position} (${where})`);
  };
  for (const op of acked.values()) if (op.position !== undefined) place(op.id, op.position, 'ack');

  const seenIds = new Set<string>();
  for (const op of ops) {
    if (op.f === 'read') {
      const inThisRead = new Set<string>();
      let previous: number | undefined;
      for (const e of op.events) {
        if (inThisRead.has(e.id) && positionOf.get(e.id) === e.position) {
          report('duplicate', `${e.id} read twice at ${e.position} in one read`);
          continue;
        }
        inThisRead.add(e.id);
        seenIds.add(e.id);
        place(e.id, e.position, `read #${op.index}`);
        if (options.contiguous && previous !== undefined && e.position !== previous + 1) {
          report('gap', `read #${op.index} jumps from ${previous} to ${e.position}`);
        }
        previous = e.position;
      }
    } else if (op.f === 'deliver') {
      seenIds.add(op.id);
      place(op.id, op.position, `delivery to ${op.group}`);
    }
  }

  for (const id of acked.keys()) if (!seenIds.has(id)) report('lost', `${id} acked at ${acked.get(id)?.position ?? '?'} but never read`);
  for (const id of failed) if (seenIds.has(id)) report('aborted-read', `${id} failed but was read`);
  checkKeyOrder(acked, invokes, positionOf, report);
  checkGroups(ops, atPosition, acked, options, report);
}

/** Per key: a publish invoked after another was acked must sit at a later position. */
function checkKeyOrder(
  acked: Map<string, AppendOp>, invokes: Map<string, AppendOp>, positionOf: Map<string, number>,
  report: (kind: AnomalyKind, message: string) => void,
): void {
  const byKey = new Map<string, AppendOp[]>();
  for (const op of acked.values()) {
    const list = byKey.get(op.key);
    if (list) list.push(op);
    else byKey.set(op.key, [op]);
  }
  for (const [key, oks] of byKey) {
    const byAck = [...oks].sort((a, b) => a.index - b.index);
    const byInvoke = [...oks].sort((a, b) => (invokes.get(a.id)?.index ?? 0) - (invokes.get(b.id)?.index ?? 0));
    let next = 0;
    let latest: { id: string; position: number } | undefined;
    for (const op of byInvoke) {
      const invokedAt = invokes.get(op.id)?.index ?? 0;
      for (; next < byAck.length && byAck[next]!.index < invokedAt; next++) {
        const done = byAck[next]!;
        const position = positionOf.get(done.id);
        if (position !== undefined && (latest === undefined || position > latest.position)) latest = { id: done.id, position };
      }
      const position = positionOf.get(op.id);
      if (latest && position !== undefined && position < latest.position) {
        report('reordered', `key ${key}: ${op.id} (position ${position}) was published after ${latest.id} was acked (position ${latest.position})`);
      }
    }
  }
}

/** Per group: deliveries of one key follow log order; no visible event is passed over. */
function checkGroups(
  ops: readonly Op[], atPosition: Map<number, string>, acked: Map<string, AppendOp>, options: CheckOptions,
  report: (kind: AnomalyKind, message: string, group?: string) => void,
): void {
  const groups = new Set(ops.flatMap((op) => (op.f === 'deliver' ? [op.group] : [])));
  for (const group of groups) {
    const deliveries = ops.filter((op): op is Extract<Op, { f: 'deliver' }> => op.f === 'deliver' && op.group === group);
    const exactlyOnce = options.exactlyOnceGroups?.includes(group) ?? false;
    const delivered = new Map<string, number>();
    const lastOfKey = new Map<string, number>();
    for (const d of deliveries) {
      const times = (delivered.get(d.id) ?? 0) + 1;
      delivered.set(d.id, times);
      if (times === 2 && exactlyOnce) report('duplicate', `${d.id} handled twice in exactly-once group`, group);
      const last = lastOfKey.get(d.key);
      if (times === 1 && last !== undefined && d.position < last) report('reordered', `key ${d.key}: position ${d.position} first delivered after ${last}`, group);
      if (times === 1) lastOfKey.set(d.key, Math.max(last ?? 0, d.position));
    }
    // A loop, not Math.max(...): a spread of a million positions overflows the stack.
    let highest = 0;
    for (const d of deliveries) if (d.position > highest) highest = d.position;
    for (const [position, id] of atPosition) {
      if (delivered.has(id)) continue;
      if (position < highest) report('skip', `${id} at ${position} passed over (delivered up to ${highest})`, group);
      else if (acked.has(id)) report('lost', `${id} acked but never delivered`, group);
    }
  }
}
