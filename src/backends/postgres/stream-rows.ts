import { revisionConflict, type StreamState } from '../../log/stream-checks.js';
import type { ExpectedRevision, StreamInfo, StreamMetadata } from '../../log/streams.js';
import { rows, type Sql } from './db.js';

/** `streams.deleted`: 0 no, 1 soft, 2 tombstone (as on SQLite). */
export const DELETED = ['no', 'soft', 'tombstone'] as const;

export interface StreamRow {
  id: number;
  name: string;
  topic_id: number;
  topic: string;
  revision: number;
  deleted: 0 | 1 | 2;
  soft_deleted_at: number;
  metadata: StreamMetadata;
}

export function infoOf(row: StreamRow): StreamInfo {
  return {
    stream: row.name,
    revision: row.revision,
    topic: row.topic,
    deleted: DELETED[row.deleted],
    softDeletedAt: row.soft_deleted_at,
    metadata: row.metadata,
  };
}

export function stateOf(row: StreamRow | undefined): StreamState | undefined {
  return row && { revision: row.revision, deleted: DELETED[row.deleted] };
}

const SELECT_STREAM = (s: string): string => `SELECT st.id, st.name, st.topic_id, t.name AS topic, st.revision, st.deleted, st.soft_deleted_at, st.metadata
  FROM ${s}.streams st JOIN ${s}.topics t ON t.id = st.topic_id WHERE st.name = $1`;

/** The stream's row as committed now (no lock). */
export async function findStream(sql: Sql, s: string, stream: string): Promise<StreamRow | undefined> {
  return (await rows<StreamRow>(sql, SELECT_STREAM(s), [stream]))[0];
}

/**
 * The stream's row locked FOR UPDATE until the transaction ends (writers of one stream, in any
 * process, queue here). With `create` (a topic id), a missing stream is inserted first: two
 * creators at once agree on one row, the second waiting for the first's commit.
 */
export async function lockStream(sql: Sql, s: string, stream: string, create?: { topicId: number; category: string }): Promise<StreamRow | undefined> {
  const lock = async (): Promise<StreamRow | undefined> => (await rows<StreamRow>(sql, `${SELECT_STREAM(s)} FOR UPDATE OF st`, [stream]))[0];
  const found = await lock();
  if (found || !create) return found;
  await sql.query(`INSERT INTO ${s}.streams (name, category, topic_id) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING`, [stream, create.category, create.topicId]);
  return lock();
}

/** The locked row after checking `expected` (a tombstoned stream refuses everything). */
export function checked(stream: string, row: StreamRow | undefined, expected: ExpectedRevision): StreamRow | undefined {
  const conflict = revisionConflict(stream, stateOf(row), expected);
  if (conflict) throw conflict;
  return row;
}

/** `$all` position of the stream's last event (0 if none). */
export async function lastGlobal(sql: Sql, s: string, streamId: number): Promise<number> {
  const [row] = await rows<{ g: number }>(sql, `SELECT coalesce(max(global), 0)::bigint AS g FROM ${s}.stream_events WHERE stream_id = $1`, [streamId]);
  return row?.g ?? 0;
}
