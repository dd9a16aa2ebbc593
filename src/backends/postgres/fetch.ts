import type { CloudEvent } from '../../core/envelope.js';
import { KeyGate } from '../../log/key-gate.js';
import type { Delivery, FailureInfo, StartFrom } from '../../log/types.js';
import { Closing, rows, type Db, type Sql } from './db.js';
import { firstRoom, NEW_PAGE } from './fetch-open.js';
import { windowEnd } from './scan-window.js';
import { writeNewDeliveries, type PendingRows } from './fetch-writes.js';
import { startPosition } from './topics.js';

export interface FetchArgs {
  topic: string;
  topicId: number;
  group: string;
  max: number;
  leaseMs: number;
}

/** Rows read per query while scanning pending rows. */
const PAGE = 256;

interface Lease {
  sql: Sql;
  s: string;
  args: FetchArgs;
  groupId: number;
  now: number;
  leaseId: number;
  leaseUntil: number;
  out: Delivery[];
  /** How many events of each key this fetch has taken (they do not block each other). */
  takenByKey: Map<string, number>;
}

/** The group's id, creating it at `from` when missing (two processes creating it at once agree on one row). */
export async function ensureGroup(db: Db, topicId: number, group: string, from: StartFrom): Promise<number> {
  const { s } = db;
  const find = async (): Promise<number | undefined> =>
    (await db.query<{ id: number }>(`SELECT id FROM ${s}.groups WHERE topic_id = $1 AND name = $2`, [topicId, group], `finding group ${group}`))[0]?.id;
  const known = await find();
  if (known !== undefined) return known;
  const cursor = await startPosition(db.pool, s, topicId, from);
  await db.query(`INSERT INTO ${s}.groups (topic_id, name, cursor) VALUES ($1, $2, $3) ON CONFLICT (topic_id, name) DO NOTHING`, [topicId, group, cursor], `creating group ${group}`);
  // A group makes a deleted topic exist again, as an append does (migration-5.ts).
  await db.query(`UPDATE ${s}.topics SET deleted = false WHERE id = $1 AND deleted`, [topicId], `creating group ${group}`);
  return (await find())!;
}

interface OpenedRow { cursor: number; head: number; now: number; lease: number; pending: boolean }

/**
 * One fetch, in one transaction holding the group's lock exclusively (other fetches of the group,
 * in any process, wait; settles, which take it shared, too): first the group's pending rows that
 * are visible again (expired leases, due retries, parked and requeued events), in position order
 * and gated per key (not while another consumer holds a live lease on the key, nor past an earlier
 * event of the key that waits for its retry), then new events from the cursor; a new event whose
 * key has a pending row this fetch did not take is parked (a pending row, delivered later), at
 * most `max * 8` per fetch. The same algorithm as MemoryLog and SQLite, on rows; the keyless new
 * deliveries of a fetch are one lease run (migration-6.ts), as on SQLite.
 *
 * `opened` are the rows of `fetchOpening`: the state (lock taken, expired runs exploded), then the
 * first page of new events. A fetch of keyless new events has one more round trip: its writes
 * with COMMIT. Returns undefined when the group was deleted between lookup and lock.
 */
export async function fetchTx(sql: Sql, s: string, groupId: number, args: FetchArgs, opened: readonly unknown[]): Promise<Delivery[] | undefined | Closing<Delivery[]>> {
  const state = opened[0] as OpenedRow | undefined;
  if (!state) return undefined;
  const l: Lease = {
    sql, s, args, groupId, now: state.now, leaseId: state.lease, leaseUntil: state.now + args.leaseMs, out: [], takenByKey: new Map(),
  };
  if (state.pending) await redeliver(l);
  const firstPage = opened.slice(1) as NewRow[];
  const closing = l.out.length < args.max ? await advance(l, state.cursor, state.head, firstPage) : undefined;
  return closing === undefined ? l.out : new Closing(l.out, closing);
}

interface PendingRow {
  position: number;
  key: string | null;
  attempt: number;
  last_error: FailureInfo | null;
  body_override: CloudEvent | null;
  appended_at: number | null;
  body: CloudEvent | null;
}

async function redeliver(l: Lease): Promise<void> {
  const { sql, s, groupId, now } = l;
  let gate: KeyGate | undefined;
  let after = 0;
  const taken: number[] = [];
  const gone: number[] = [];
  scan: for (;;) {
    const page = await rows<PendingRow>(sql, `
      SELECT i.position, i.key, i.attempt, i.last_error, i.body_override, e.appended_at, e.body
      FROM ${s}.inflight i LEFT JOIN ${s}.events e ON e.topic_id = $2 AND e.position = i.position
      WHERE i.group_id = $1 AND i.visible_at <= $3 AND i.position > $4
      ORDER BY i.position LIMIT ${PAGE}`, [groupId, l.args.topicId, now, after]);
    if (page.length === 0) break;
    gate ??= await loadGate(l);
    for (const row of page) {
      if (l.out.length >= l.args.max) break scan;
      after = row.position;
      const key = row.key ?? undefined;
      if (!gate.admit(key, row.position)) { gate.block(key!, row.position); continue; }
      const event = row.body_override ?? row.body;
      if (event === null) { gone.push(row.position); continue; } // the event is gone (retention, discard)
      taken.push(row.position);
      deliver(l, row.position, key, row.attempt + 1, row.body_override ? now : row.appended_at!, event, row.last_error);
    }
    if (page.length < PAGE) break;
  }
  if (taken.length > 0) {
    await sql.query(`UPDATE ${s}.inflight SET lease_id = $3, visible_at = $4, attempt = attempt + 1 WHERE group_id = $1 AND position = ANY($2::bigint[])`,
      [groupId, taken, l.leaseId, l.leaseUntil]);
  }
  if (gone.length > 0) await sql.query(`DELETE FROM ${s}.inflight WHERE group_id = $1 AND position = ANY($2::bigint[])`, [groupId, gone]);
  // A key now leased here is no longer its expired holder's: revoke that holder's expired leases on
  // the key, or its late ack of a later event would land before this consumer settles an earlier one.
  if (l.takenByKey.size > 0) {
    await sql.query(`UPDATE ${s}.inflight SET lease_id = 0 WHERE group_id = $1 AND key = ANY($2::text[]) AND visible_at <= $3 AND lease_id NOT IN (0, $4)`,
      [groupId, [...l.takenByKey.keys()], now, l.leaseId]);
  }
}

/** The keys held elsewhere: a live lease holds the whole key; a row waiting for its retry blocks the key from there on. */
async function loadGate(l: Lease): Promise<KeyGate> {
  const gate = new KeyGate();
  const held = await rows<{ key: string; held: boolean; waiting_from: number | null }>(l.sql, `
    SELECT key, bool_or(lease_id <> 0) AS held, min(position) FILTER (WHERE lease_id = 0) AS waiting_from
    FROM ${l.s}.inflight WHERE group_id = $1 AND visible_at > $2 AND key IS NOT NULL GROUP BY key`, [l.groupId, l.now]);
  for (const row of held) {
    if (row.held) gate.hold(row.key);
    if (row.waiting_from !== null) gate.block(row.key, row.waiting_from);
  }
  return gate;
}

interface NewRow { position: number; appended_at: number; key: string | null; body: CloudEvent }

/**
 * New events from the cursor, the first page as `fetch_begin` read it. Whether a key is held
 * elsewhere is asked once per key per fetch: later events of that key can only meet the rows this
 * fetch writes itself, so the answer stays. Returns the fetch's writes as SQL text to send with
 * COMMIT when they are only numbers (keyless events); otherwise they are written here.
 */
async function advance(l: Lease, from: number, head: number, firstPage: readonly NewRow[]): Promise<string | undefined> {
  const { sql, s, groupId } = l;
  const { max } = l.args;
  const maxParked = max * 8;
  const held = new Map<string, boolean>();
  const put: PendingRows = { positions: [], keys: [], attempts: [], leases: [], visible: [] };
  const run: number[] = [];
  let cursor = from;
  let parked = 0;
  let prefetched: readonly NewRow[] | undefined = firstPage;
  scan: while (l.out.length < max && cursor <= head && parked < maxParked) {
    // As many rows as deliveries still wanted (one page for a keyless fetch); once events are parked,
    // enough to look past as many parked ones as may still be.
    const room = Math.min(NEW_PAGE, max - l.out.length + (parked > 0 ? maxParked - parked : 0));
    let until: number;
    let page: readonly NewRow[];
    if (prefetched) {
      // Read with at least this room, over a window at least as wide: its first `room` rows are this page.
      until = windowEnd(from, firstRoom(max), head);
      page = prefetched.slice(0, room);
      prefetched = undefined;
    } else {
      until = windowEnd(cursor, room, head);
      page = await rows<NewRow>(sql, `SELECT o_position AS position, o_appended_at AS appended_at, o_key AS key, o_body AS body FROM ${s}.fetch_page($1, $2, $3, $4, $5)`, [groupId, l.args.topicId, cursor, until, room]);
    }
    await learnHeld(l, page, held);
    for (const row of page) {
      if (l.out.length >= max || parked >= maxParked) break scan;
      cursor = row.position + 1;
      const key = row.key ?? undefined;
      if (key === undefined) {
        run.push(row.position);
        deliver(l, row.position, key, 1, row.appended_at, row.body, null);
        continue;
      }
      const parkIt = held.get(key) === true;
      put.positions.push(row.position);
      put.keys.push(row.key);
      put.attempts.push(parkIt ? 0 : 1);
      put.leases.push(parkIt ? 0 : l.leaseId);
      put.visible.push(parkIt ? 0 : l.leaseUntil);
      if (parkIt) { parked++; continue; }
      deliver(l, row.position, key, 1, row.appended_at, row.body, null);
    }
    if (page.length < room) cursor = until + 1; // the window is read: on to the next, if any
  }
  return writeNewDeliveries(sql, s, { groupId, leaseId: l.leaseId, leaseUntil: l.leaseUntil, from, cursor }, put, run);
}

/** Asks, for keys of `page` not yet known, whether the group has pending rows of the key this fetch did not take. */
async function learnHeld(l: Lease, page: readonly NewRow[], held: Map<string, boolean>): Promise<void> {
  const unknown = [...new Set(page.map((r) => r.key).filter((k): k is string => k !== null && !held.has(k)))];
  if (unknown.length === 0) return;
  const counts = await rows<{ key: string; n: number }>(l.sql,
    `SELECT key, count(*)::bigint AS n FROM ${l.s}.inflight WHERE group_id = $1 AND key = ANY($2::text[]) GROUP BY key`, [l.groupId, unknown]);
  const pending = new Map(counts.map((c) => [c.key, c.n]));
  for (const key of unknown) held.set(key, (pending.get(key) ?? 0) > (l.takenByKey.get(key) ?? 0));
}

function deliver(l: Lease, position: number, key: string | undefined, attempt: number, appendedAt: number, event: CloudEvent, lastError: FailureInfo | null): void {
  if (key !== undefined) l.takenByKey.set(key, (l.takenByKey.get(key) ?? 0) + 1);
  const delivery: Delivery = {
    topic: l.args.topic, position, appendedAt, event,
    group: l.args.group, attempt, leaseId: l.leaseId, leaseUntil: l.leaseUntil,
  };
  if (lastError !== null) delivery.lastError = lastError;
  l.out.push(delivery);
}
