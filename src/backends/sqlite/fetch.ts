import type { CloudEvent } from '../../core/envelope.js';
import { KeyGate } from '../../log/key-gate.js';
import type { Delivery, FailureInfo, StartFrom } from '../../log/types.js';
import { ROWS_PER_INSERT, type MultiRow } from './insert-rows.js';
import { assertScanReachedHead, corruptRow, decodeRow } from './row-check.js';
import type { EventRow, GroupRow } from './statements.js';
import { ensureGroup, ensureTopic, topicRow, type Ctx } from './topics.js';

export interface FetchArgs {
  topic: string;
  group: string;
  max: number;
  leaseMs: number;
  from: StartFrom;
  now: number;
}

/** Rows read per query while scanning pending rows or the log after the cursor. */
const PAGE = 256;

interface Lease {
  ctx: Ctx;
  args: FetchArgs;
  topicId: number;
  group: GroupRow;
  /** Allocated on the first delivery (an empty fetch writes nothing); -1 matches no row before that. */
  leaseId: number;
  leaseUntil: number;
  out: Delivery[];
  /** How many events of each key this fetch has taken (they do not block each other). */
  takenByKey: Map<string, number>;
}

/**
 * One fetch, inside one write transaction: first the group's pending rows that are visible again
 * (expired leases, due retries, parked and requeued events), in position order and gated per key
 * (not while another consumer holds a live lease on the key, nor past an earlier event of the key
 * that waits for its retry),
 * then new events from the cursor; a new event whose key has a pending row this fetch did not take
 * is parked (stored as a pending row, delivered later), at most `max * 8` per fetch.
 * The same algorithm as MemoryLog, on rows instead of maps.
 */
export function fetchTx(ctx: Ctx, args: FetchArgs): Delivery[] {
  const topicId = ensureTopic(ctx, args.topic);
  const { head } = topicRow(ctx, topicId);
  const group = ensureGroup(ctx, topicId, head, args.group, args.from);
  const lease: Lease = { ctx, args, topicId, group, leaseId: -1, leaseUntil: args.now + args.leaseMs, out: [], takenByKey: new Map() };
  ctx.runs.explodeExpired(topicId, group.id, args.now);
  redeliver(lease);
  if (lease.out.length < args.max) advance(lease, head);
  return lease.out;
}

function redeliver(l: Lease): void {
  const { st } = l.ctx;
  const { now, max } = l.args;
  const { gate, heldJson } = busyGate(l);
  let after = 0;
  scan: for (;;) {
    const rows = st.visiblePage.all(l.topicId, l.group.id, after, now, heldJson, PAGE);
    if (rows.length === 0) break;
    for (const row of rows) {
      after = row.position;
      if (l.out.length >= max) break scan;
      const key = row.key ?? undefined;
      if (!gate.admit(key, row.position)) continue; // a busy key (its refused rows block nothing new)
      let event: CloudEvent;
      let appendedAt = now;
      if (row.body_override !== null) {
        event = parse<CloudEvent>(l, row.position, row.body_override, 'its replacement body is not JSON');
      } else {
        const stored: EventRow | undefined = st.eventAt.get(l.topicId, row.position);
        if (!stored) { st.deleteRow.run(l.topicId, l.group.id, row.position); continue; } // the event is gone (retention, discard)
        event = decodeRow(l.args.topic, l.topicId, row.position, stored.appended_at, stored.body, stored.crc);
        appendedAt = stored.appended_at;
      }
      st.takeRow.run(leaseOf(l), l.leaseUntil, l.topicId, l.group.id, row.position);
      deliver(l, row.position, key, row.attempt + 1, appendedAt, event, row.last_error);
    }
  }
  // A key now leased here is no longer its expired holder's: revoke that holder's expired leases on
  // the key, or its late ack of a later event would land before this consumer settles an earlier one.
  for (const key of l.takenByKey.keys()) st.revokeExpired.run(l.topicId, l.group.id, key, now, l.leaseId);
}

/**
 * The group's keys that redelivery must pass over, read once before anything is taken (rows this
 * fetch takes do not block each other): a key leased to a consumer (at any position: an earlier
 * event of it whose lease ran out must not go to a second one) is held whole, and skipped inside
 * SQLite; a key whose earlier event waits for its retry is blocked from there on. So a fetch costs
 * one pass over the group's rows in SQLite plus the rows it may deliver, not a JavaScript step per
 * parked row of every busy key (the few-keys backlog of docs/reliability.md, gap 4).
 */
function busyGate(l: Lease): { gate: KeyGate; heldJson: string } {
  const gate = new KeyGate();
  const held: string[] = [];
  for (const [key, leased, waitFrom] of l.ctx.st.busyKeys.all(l.topicId, l.group.id, l.args.now)) {
    if (leased) { gate.hold(key); held.push(key); } else if (waitFrom !== null) gate.block(key, waitFrom);
  }
  return { gate, heldJson: JSON.stringify(held) };
}

/**
 * New events from the cursor. Whether a key is held elsewhere is asked once per key per fetch:
 * later events of that key can only meet the rows this fetch writes itself, so the answer stays.
 * Keyed events get pending rows (multi-row INSERTs); the keyless ones one lease run (lease-runs.ts).
 */
function advance(l: Lease, head: number): void {
  const { st, multi } = l.ctx;
  const { max } = l.args;
  const maxParked = max * 8;
  const held = new Map<string, boolean>();
  const rows = new PendingRows(l);
  const run: number[] = [];
  let cursor = l.group.cursor;
  // Rows ahead of the cursor (requeued there): the row is the delivery, not the log's copy. One
  // query per fetch; almost always empty.
  const ahead = new Set(st.rowsFrom.all(l.topicId, l.group.id, cursor));
  let parked = 0;
  scan: while (l.out.length < max && cursor <= head && parked < maxParked) {
    const room = Math.min(PAGE, max - l.out.length + maxParked - parked);
    const page = st.range.all(l.topicId, cursor, head, room);
    if (page.length === 0) {
      assertScanReachedHead(st, l.args.topic, l.topicId, cursor, head);
      cursor = head + 1;
      break;
    }
    for (const [position, appendedAt, rowKey, body, crc] of page) {
      if (l.out.length >= max || parked >= maxParked) break scan;
      cursor = position + 1;
      if (ahead.has(position)) continue;
      const key = rowKey ?? undefined;
      let heldElsewhere = false;
      if (key !== undefined) {
        const known = held.get(key);
        heldElsewhere = known ?? st.keyHeldBeyond.get(l.topicId, l.group.id, key, l.takenByKey.get(key) ?? 0) !== undefined;
        if (known === undefined) held.set(key, heldElsewhere);
      }
      if (heldElsewhere) {
        rows.add(position, rowKey, 0, 0, 0);
        parked++;
        continue;
      }
      const leaseId = leaseOf(l);
      if (key === undefined) run.push(position);
      else rows.add(position, rowKey, 1, leaseId, l.leaseUntil);
      deliver(l, position, key, 1, appendedAt, decodeRow(l.args.topic, l.topicId, position, appendedAt, body, crc), null);
    }
  }
  rows.flush(multi.putRows);
  if (run.length > 0) l.ctx.runs.record(l.topicId, l.group.id, l.leaseId, l.leaseUntil, run);
  if (cursor !== l.group.cursor) st.setCursor.run(cursor, l.group.id);
}

/** Pending rows gathered by `advance`, written ROWS_PER_INSERT at a time. */
class PendingRows {
  private args: unknown[] = [];

  constructor(private readonly l: Lease) {}

  add(position: number, key: string | null, attempt: number, leaseId: number, visibleAt: number): void {
    this.args.push(this.l.topicId, this.l.group.id, position, key, attempt, leaseId, visibleAt);
    if (this.args.length === ROWS_PER_INSERT * 7) this.flush(this.l.ctx.multi.putRows);
  }

  flush(putRows: MultiRow): void {
    if (this.args.length > 0) putRows.run(this.args);
    this.args = [];
  }
}

function leaseOf(l: Lease): number {
  if (l.leaseId === -1) l.leaseId = l.ctx.st.nextLease.get()!;
  return l.leaseId;
}

function deliver(l: Lease, position: number, key: string | undefined, attempt: number, appendedAt: number, event: CloudEvent, lastError: string | null): void {
  if (key !== undefined) l.takenByKey.set(key, (l.takenByKey.get(key) ?? 0) + 1);
  const delivery: Delivery = {
    topic: l.args.topic, position, appendedAt, event,
    group: l.args.group, attempt, leaseId: l.leaseId, leaseUntil: l.leaseUntil,
  };
  if (lastError !== null) delivery.lastError = parse<FailureInfo>(l, position, lastError, 'its last error is not JSON');
  l.out.push(delivery);
}

/** A pending row's JSON column (not checksummed: it lives in `inflight`); unparseable is corrupt. */
function parse<T>(l: Lease, position: number, json: string, what: string): T {
  try {
    return JSON.parse(json) as T;
  } catch (error) {
    throw corruptRow(l.args.topic, position, what, error);
  }
}
