import type Database from 'better-sqlite3';

export interface TopicRow { id: number; name: string; head: number; count: number; retention: string }
export interface GroupRow { id: number; cursor: number }
export interface GroupListRow { topic: string; name: string; cursor: number; head: number; pending: number }
/** `crc`: the row's checksum, null on rows written before schema version 3 (row-check.ts). */
export interface EventRow { position: number; appended_at: number; key: string | null; body: string; crc: number | null }
/** An event row as an array (`.raw()`): building an object per row costs about as much as reading it. */
export type EventTuple = [position: number, appendedAt: number, key: string | null, body: string, crc: number | null];
/** What a read needs of a row: every column fewer is less for the driver to convert (replay). */
export type ReadTuple = [position: number, appendedAt: number, body: string, crc: number | null];
/** A key with rows not visible now: `held` 1 if leased (any position), `waitFrom` its first row waiting for a retry. */
export type BusyKey = [key: string, held: number, waitFrom: number | null];
export interface InflightRow {
  position: number;
  key: string | null;
  attempt: number;
  last_error: string | null;
  body_override: string | null;
}

type S<P extends unknown[], R = unknown> = Database.Statement<P, R>;

/** Every statement the log runs, prepared once per connection. */
export interface Statements {
  topicId: S<[string], number>;
  topicIdNotIndexed: S<[string], number>;
  insertTopic: S<[string]>;
  topicById: S<[number], TopicRow>;
  allTopics: S<[], TopicRow>;
  advanceHead: S<[head: number, added: number, id: number]>;
  addCount: S<[delta: number, id: number]>;
  setRetention: S<[json: string, id: number]>;

  insertEvent: S<[topicId: number, position: number, id: string, appendedAt: number, key: string | null, body: string, crc: number]>;
  receiptOf: S<[topicId: number, id: string], { position: number; appended_at: number }>;
  lastAppendedAt: S<[topicId: number], number>;
  firstPosition: S<[topicId: number], number>;
  appendedAtFrom: S<[topicId: number, position: number], number>;
  page: S<[topicId: number, from: number, limit: number], ReadTuple>;
  range: S<[topicId: number, from: number, to: number, limit: number], EventTuple>;
  eventAt: S<[topicId: number, position: number], EventRow>;
  rowidAt: S<[topicId: number, position: number], number>;
  storedBeyond: S<[rowid: number, topicId: number, position: number], number>;
  deleteEvent: S<[topicId: number, position: number]>;
  deleteExpired: S<[{ topicId: number; cut: number; limit: number }]>;

  groupByName: S<[topicId: number, name: string], GroupRow>;
  upsertGroup: S<[topicId: number, name: string, cursor: number], { id: number }>;
  setCursor: S<[cursor: number, id: number]>;
  deleteGroup: S<[id: number]>;
  listGroups: S<[], GroupListRow>;

  /** Visible rows after `after`, leaving out the keys in `heldJson` (a JSON array of strings). */
  visiblePage: S<[topicId: number, grp: number, after: number, now: number, heldJson: string, limit: number], InflightRow>;
  busyKeys: S<[topicId: number, grp: number, now: number], BusyKey>;
  revokeExpired: S<[topicId: number, grp: number, key: string, now: number, leaseId: number]>;
  keyHeldBeyond: S<[topicId: number, grp: number, key: string, offset: number], number>;
  rowsFrom: S<[topicId: number, grp: number, position: number], number>;
  takeRow: S<[leaseId: number, leaseUntil: number, topicId: number, grp: number, position: number]>;
  putRow: S<[topicId: number, grp: number, position: number, key: string | null, attempt: number, leaseId: number, visibleAt: number, bodyOverride: string | null]>;
  /** A member of a lease run that becomes a row of its own (no key, no override). */
  putMember: S<[topicId: number, grp: number, position: number, attempt: number, leaseId: number, visibleAt: number, lastError: string | null]>;
  deleteRow: S<[topicId: number, grp: number, position: number]>;
  clearGroup: S<[topicId: number, grp: number]>;
  ack: S<[topicId: number, grp: number, position: number, leaseId: number]>;
  nack: S<[visibleAt: number, lastError: string | null, topicId: number, grp: number, position: number, leaseId: number]>;
  release: S<[visibleAt: number, topicId: number, grp: number, position: number, leaseId: number]>;
  extend: S<[visibleAt: number, topicId: number, grp: number, position: number, leaseId: number]>;
  holds: S<[topicId: number, grp: number, position: number, leaseId: number], number>;
  nextLease: S<[], number>;
}

const ROW = 'I.topic_id = ? AND I.grp = ? AND I.position = ?';
/** Rows of one key (`key = ?` implies the partial index's `key IS NOT NULL`). */
const BY_KEY = 'INDEXED BY inflight_by_held_key';

export function prepareStatements(db: Database.Database): Statements {
  const p = <P extends unknown[], R = unknown>(sql: string): S<P, R> => db.prepare<P, R>(sql);
  const pluck = <P extends unknown[], R>(sql: string): S<P, R> => db.prepare<P, R>(sql).pluck();
  const raw = <P extends unknown[], R>(sql: string): S<P, R> => db.prepare<P, R>(sql).raw();
  return {
    topicId: pluck('SELECT id FROM topics WHERE name = ?'),
    topicIdNotIndexed: pluck('SELECT id FROM topics NOT INDEXED WHERE name = ?'),
    insertTopic: p('INSERT INTO topics (name) VALUES (?) ON CONFLICT (name) DO NOTHING'),
    topicById: p('SELECT id, name, head, count, retention FROM topics WHERE id = ?'),
    allTopics: p('SELECT id, name, head, count, retention FROM topics'),
    advanceHead: p('UPDATE topics SET head = ?, count = count + ? WHERE id = ?'),
    addCount: p('UPDATE topics SET count = count + ? WHERE id = ?'),
    setRetention: p('UPDATE topics SET retention = ? WHERE id = ?'),

    insertEvent: p('INSERT INTO events (topic_id, position, id, appended_at, key, body, crc) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (topic_id, id) DO NOTHING'),
    receiptOf: p('SELECT position, appended_at FROM events WHERE topic_id = ? AND id = ?'),
    lastAppendedAt: pluck('SELECT appended_at FROM events WHERE topic_id = ? ORDER BY position DESC LIMIT 1'),
    firstPosition: pluck('SELECT position FROM events WHERE topic_id = ? ORDER BY position LIMIT 1'),
    appendedAtFrom: pluck('SELECT appended_at FROM events WHERE topic_id = ? AND position >= ? ORDER BY position LIMIT 1'),
    page: raw('SELECT position, appended_at, body, crc FROM events WHERE topic_id = ? AND position >= ? ORDER BY position LIMIT ?'),
    range: raw('SELECT position, appended_at, key, body, crc FROM events WHERE topic_id = ? AND position >= ? AND position <= ? ORDER BY position LIMIT ?'),
    eventAt: p('SELECT position, appended_at, key, body, crc FROM events WHERE topic_id = ? AND position = ?'),
    rowidAt: pluck('SELECT rowid FROM events WHERE topic_id = ? AND position = ?'),
    // Bypasses the (topic_id, position) index; rows appended after `rowid` only (rowids grow).
    storedBeyond: pluck('SELECT 1 FROM events NOT INDEXED WHERE rowid > ? AND topic_id = ? AND position >= ? LIMIT 1'),
    deleteEvent: p('DELETE FROM events WHERE topic_id = ? AND position = ?'),
    // Events at or before the cut that no group's pending row still reads from the log.
    deleteExpired: p(`DELETE FROM events WHERE topic_id = @topicId AND position IN (
      SELECT position FROM events WHERE topic_id = @topicId AND position <= @cut
        AND position NOT IN (SELECT position FROM inflight WHERE topic_id = @topicId AND body_override IS NULL)
      ORDER BY position LIMIT @limit)`),

    groupByName: p('SELECT id, cursor FROM groups WHERE topic_id = ? AND name = ?'),
    upsertGroup: p('INSERT INTO groups (topic_id, name, cursor) VALUES (?, ?, ?) ON CONFLICT (topic_id, name) DO UPDATE SET cursor = excluded.cursor RETURNING id'),
    setCursor: p('UPDATE groups SET cursor = ? WHERE id = ?'),
    deleteGroup: p('DELETE FROM groups WHERE id = ?'),
    listGroups: p(`SELECT t.name AS topic, g.name AS name, g.cursor AS cursor, t.head AS head,
      (SELECT count(*) FROM inflight I WHERE I.topic_id = g.topic_id AND I.grp = g.id)
        + (SELECT coalesce(sum(R.pending), 0) FROM lease_runs R WHERE R.topic_id = g.topic_id AND R.grp = g.id) AS pending
      FROM groups g JOIN topics t ON t.id = g.topic_id`),

    // The held keys' rows are skipped inside SQLite (the IN list is built once per query), so a
    // fetch does not hand JavaScript every parked row of a busy key (fetch.ts, redeliver).
    visiblePage: p(`SELECT position, key, attempt, last_error, body_override FROM inflight
      WHERE topic_id = ? AND grp = ? AND position > ? AND visible_at <= ?
        AND (key IS NULL OR key NOT IN (SELECT value FROM json_each(?))) ORDER BY position LIMIT ?`),
    // Keys some consumer holds (an unexpired lease, at any position) or whose earlier event waits
    // for its retry: one pass over the group's rows in primary-key order, not one probe per key.
    // `+key`: through the key index it would look every row up in the table for visible_at
    // (NOT INDEXED does not stop that on a WITHOUT ROWID table).
    busyKeys: raw(`SELECT key, max(lease_id <> 0), min(CASE WHEN lease_id = 0 THEN position END) FROM inflight
      WHERE topic_id = ? AND grp = ? AND +key IS NOT NULL AND visible_at > ? GROUP BY +key`),
    revokeExpired: p(`UPDATE inflight ${BY_KEY} SET lease_id = 0 WHERE topic_id = ? AND grp = ? AND key = ?
      AND visible_at <= ? AND lease_id <> 0 AND lease_id <> ?`),
    keyHeldBeyond: pluck(`SELECT 1 FROM inflight ${BY_KEY} WHERE topic_id = ? AND grp = ? AND key = ? LIMIT 1 OFFSET ?`),
    rowsFrom: pluck('SELECT position FROM inflight WHERE topic_id = ? AND grp = ? AND position >= ?'),
    takeRow: p(`UPDATE inflight AS I SET attempt = attempt + 1, lease_id = ?, visible_at = ? WHERE ${ROW}`),
    putRow: p(`INSERT OR REPLACE INTO inflight (topic_id, grp, position, key, attempt, lease_id, visible_at, last_error, body_override)
      VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?)`),
    putMember: p(`INSERT INTO inflight (topic_id, grp, position, key, attempt, lease_id, visible_at, last_error, body_override)
      VALUES (?, ?, ?, NULL, ?, ?, ?, ?, NULL)`),
    deleteRow: p(`DELETE FROM inflight AS I WHERE ${ROW}`),
    clearGroup: p('DELETE FROM inflight WHERE topic_id = ? AND grp = ?'),
    ack: p(`DELETE FROM inflight AS I WHERE ${ROW} AND I.lease_id = ?`),
    nack: p(`UPDATE inflight AS I SET lease_id = 0, visible_at = ?, last_error = coalesce(?, last_error) WHERE ${ROW} AND I.lease_id = ?`),
    release: p(`UPDATE inflight AS I SET lease_id = 0, visible_at = ?, attempt = attempt - 1 WHERE ${ROW} AND I.lease_id = ?`),
    extend: p(`UPDATE inflight AS I SET visible_at = ? WHERE ${ROW} AND I.lease_id = ?`),
    holds: pluck(`SELECT 1 FROM inflight AS I WHERE ${ROW} AND I.lease_id = ?`),
    nextLease: pluck("UPDATE meta SET value = value + 1 WHERE key = 'lease_seq' RETURNING value"),
  };
}
