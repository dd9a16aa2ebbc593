import type Database from 'better-sqlite3';
import type { StreamInfo, StreamMetadata } from '../../log/streams.js';

/** `streams.deleted`: 0 no, 1 soft, 2 tombstone. */
export const DELETED = ['no', 'soft', 'tombstone'] as const;

export interface StreamRow {
  id: number;
  name: string;
  topic_id: number;
  topic: string;
  revision: number;
  deleted: 0 | 1 | 2;
  soft_deleted_at: number;
  metadata: string;
}

export function infoOf(row: StreamRow): StreamInfo {
  return {
    stream: row.name,
    revision: row.revision,
    topic: row.topic,
    deleted: DELETED[row.deleted],
    softDeletedAt: row.soft_deleted_at,
    metadata: JSON.parse(row.metadata) as StreamMetadata,
  };
}

/** Where an event id is on its topic, and in which stream (null: a plain topic event). */
export interface LocatedRow { position: number; appended_at: number; stream: string | null; revision: number | null; global: number | null }

/**
 * A stream event as an array (`.raw()`), with what the checksums cover (row-check.ts). The event's
 * columns are null when it is gone (retention, deleteEvent): the row is checked, then skipped.
 */
export type StreamEventTuple = [revision: number, global: number, position: number, appendedAt: number | null, body: string | null, topicId: number, crc: number | null, category: string, indexCrc: number | null];
export type AllEventTuple = [global: number, revision: number, stream: string, topic: string, position: number, appendedAt: number | null, body: string | null, topicId: number, crc: number | null, category: string, indexCrc: number | null];

type S<P extends unknown[], R = unknown> = Database.Statement<P, R>;

export interface StreamStatements {
  byName: S<[name: string], StreamRow>;
  insert: S<[name: string, category: string, topicId: number], { id: number }>;
  advance: S<[revision: number, id: number]>;
  setMetadata: S<[json: string, id: number]>;
  softDelete: S<[id: number]>;
  tombstone: S<[id: number]>;
  locate: S<[topicId: number, id: string], LocatedRow>;
  head: S<[], number>;
  lastGlobal: S<[streamId: number], number>;
  revisionOf: S<[streamId: number], number>;
  storedBeyond: S<[global: number, streamId: number, revision: number], number>;
  insertEvent: S<[global: number, streamId: number, revision: number, topicId: number, position: number, category: string, crc: number]>;
  forwards: S<[streamId: number, from: number, oldest: number, limit: number], StreamEventTuple>;
  backwards: S<[streamId: number, from: number, first: number, oldest: number, limit: number], StreamEventTuple>;
  allForwards: S<[from: number, limit: number], AllEventTuple>;
  allBackwards: S<[from: number, limit: number], AllEventTuple>;
  categoryForwards: S<[category: string, from: number, limit: number], AllEventTuple>;
  categoryBackwards: S<[category: string, from: number, limit: number], AllEventTuple>;
  loadSnapshot: S<[stream: string], { revision: number; version: number; state: string }>;
  saveSnapshot: S<[stream: string, revision: number, version: number, state: string]>;
  dropSnapshot: S<[stream: string]>;
}

// LEFT JOINs: an index row whose event, stream or topic the join misses (a flipped position or
// id) is still returned, so its checksum catches the damage instead of the row silently vanishing.
const STREAM_EVENT = `SELECT se.revision, se.global, se.position, e.appended_at, e.body, se.topic_id, e.crc, se.category, se.crc FROM stream_events se
  LEFT JOIN events e ON e.topic_id = se.topic_id AND e.position = se.position`;
const ALL_EVENT = `SELECT se.global, se.revision, s.name, t.name, se.position, e.appended_at, e.body, se.topic_id, e.crc, se.category, se.crc FROM stream_events se
  LEFT JOIN events e ON e.topic_id = se.topic_id AND e.position = se.position
  LEFT JOIN streams s ON s.id = se.stream_id LEFT JOIN topics t ON t.id = se.topic_id`;
const RECENT = '(e.appended_at IS NULL OR e.appended_at >= ?)';

/** The statements of streams and snapshots, prepared once per connection when streams are first used. */
export function prepareStreamStatements(db: Database.Database): StreamStatements {
  const p = <P extends unknown[], R = unknown>(sql: string): S<P, R> => db.prepare<P, R>(sql);
  const pluck = <P extends unknown[], R>(sql: string): S<P, R> => db.prepare<P, R>(sql).pluck();
  const raw = <P extends unknown[], R>(sql: string): S<P, R> => db.prepare<P, R>(sql).raw();
  return {
    byName: p(`SELECT s.id, s.name, s.topic_id, t.name AS topic, s.revision, s.deleted, s.soft_deleted_at, s.metadata
      FROM streams s JOIN topics t ON t.id = s.topic_id WHERE s.name = ?`),
    insert: p('INSERT INTO streams (name, category, topic_id) VALUES (?, ?, ?) RETURNING id'),
    advance: p('UPDATE streams SET revision = ?, deleted = 0 WHERE id = ?'),
    setMetadata: p('UPDATE streams SET metadata = ? WHERE id = ?'),
    softDelete: p('UPDATE streams SET deleted = 1, soft_deleted_at = revision WHERE id = ? AND deleted = 0'),
    tombstone: p('UPDATE streams SET deleted = 2 WHERE id = ?'),
    locate: p(`SELECT e.position, e.appended_at, s.name AS stream, se.revision, se.global FROM events e
      LEFT JOIN stream_events se ON se.topic_id = e.topic_id AND se.position = e.position
      LEFT JOIN streams s ON s.id = se.stream_id WHERE e.topic_id = ? AND e.id = ?`),
    head: pluck('SELECT coalesce(max(global), 0) FROM stream_events'),
    lastGlobal: pluck('SELECT coalesce(max(global), 0) FROM stream_events WHERE stream_id = ?'),
    revisionOf: pluck('SELECT revision FROM streams WHERE id = ?'),
    // Bypasses the (stream_id, revision) index: rows after `global` (the rowid) only.
    storedBeyond: pluck('SELECT 1 FROM stream_events NOT INDEXED WHERE global > ? AND stream_id = ? AND revision >= ? LIMIT 1'),
    insertEvent: p('INSERT INTO stream_events (global, stream_id, revision, topic_id, position, category, crc) VALUES (?, ?, ?, ?, ?, ?, ?)'),
    forwards: raw(`${STREAM_EVENT} WHERE se.stream_id = ? AND se.revision >= ? AND ${RECENT} ORDER BY se.revision LIMIT ?`),
    backwards: raw(`${STREAM_EVENT} WHERE se.stream_id = ? AND se.revision <= ? AND se.revision >= ? AND ${RECENT} ORDER BY se.revision DESC LIMIT ?`),
    allForwards: raw(`${ALL_EVENT} WHERE se.global >= ? ORDER BY se.global LIMIT ?`),
    allBackwards: raw(`${ALL_EVENT} WHERE se.global <= ? ORDER BY se.global DESC LIMIT ?`),
    categoryForwards: raw(`${ALL_EVENT} WHERE se.category = ? AND se.global >= ? ORDER BY se.global LIMIT ?`),
    categoryBackwards: raw(`${ALL_EVENT} WHERE se.category = ? AND se.global <= ? ORDER BY se.global DESC LIMIT ?`),
    loadSnapshot: p('SELECT revision, version, state FROM snapshots WHERE stream = ?'),
    saveSnapshot: p(`INSERT INTO snapshots (stream, revision, version, state) VALUES (?, ?, ?, ?)
      ON CONFLICT (stream) DO UPDATE SET revision = excluded.revision, version = excluded.version, state = excluded.state
      WHERE excluded.revision >= snapshots.revision`),
    dropSnapshot: p('DELETE FROM snapshots WHERE stream = ?'),
  };
}
