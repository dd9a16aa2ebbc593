import type { Retention } from '../../log/types.js';
import { rows, type Db, type Sql } from './db.js';

/** Events deleted per transaction. */
const CHUNK = 2048;

/**
 * Deletes what each topic's retention allows now, as MemoryLog does: everything at or before
 * head - maxCount and everything appended more than maxAgeMs ago, except events a group's pending
 * row or lease run (migration-6.ts) still reads from the log. Each chunk is one transaction under the topic row's lock.
 * Returns how many events went.
 */
export async function applyRetention(db: Db, now: number | null): Promise<number> {
  const topics = await db.query<{ id: number; name: string; retention: Retention }>(
    `SELECT id, name, retention FROM ${db.s}.topics WHERE retention <> '{}'::jsonb`, [], 'listing topics');
  let removed = 0;
  for (const t of topics) {
    // Each chunk starts after the last one: the index entries of rows just deleted stay until
    // vacuum, and a scan from the start walked them all again (100,000 events took 1.4 s).
    for (let chunk = { count: CHUNK, last: 0 }; chunk.count === CHUNK;) {
      const after = chunk.last;
      chunk = await db.tx(`applying retention to ${t.name}`, (sql) => deleteChunk(sql, db.s, t.id, t.retention, now, after));
      removed += chunk.count;
    }
  }
  return removed;
}

/**
 * Where retention cuts the topic now (every event at or before it may go), then up to CHUNK of
 * those after `after` not held; returns how many went and the last of them.
 */
async function deleteChunk(sql: Sql, s: string, topicId: number, retention: Retention, now: number | null, after: number): Promise<{ count: number; last: number }> {
  const { maxAgeMs, maxCount } = retention;
  const [cut] = await rows<{ cut: number }>(sql, `
    SELECT GREATEST(
      CASE WHEN $2::bigint IS NULL THEN 0 ELSE t.head - $2::bigint END,
      CASE WHEN $3::bigint IS NULL THEN 0 ELSE (
        SELECT e.position FROM ${s}.events e
        WHERE e.topic_id = t.id AND e.appended_at < COALESCE($4::bigint, ${s}.now_ms()) - $3::bigint
        ORDER BY e.appended_at DESC, e.position DESC LIMIT 1) END,
      0) AS cut
    FROM ${s}.topics t WHERE t.id = $1 FOR UPDATE`, [topicId, maxCount ?? null, maxAgeMs ?? null, now]);
  if (!cut || cut.cut <= 0) return { count: 0, last: after };
  const [gone] = await rows<{ n: number; last: number | null }>(sql, `
    WITH doomed AS (
      SELECT e.position FROM ${s}.events e
      WHERE e.topic_id = $1 AND e.position > $3 AND e.position <= $2
        AND NOT EXISTS (SELECT 1 FROM ${s}.inflight i JOIN ${s}.groups g ON g.id = i.group_id
                        WHERE g.topic_id = $1 AND i.position = e.position AND i.body_override IS NULL)
        AND NOT EXISTS (SELECT 1 FROM ${s}.lease_runs r JOIN ${s}.groups g ON g.id = r.group_id
                        WHERE g.topic_id = $1 AND e.position >= r.first AND e.position < r.first + 8 * length(r.members)
                          AND get_bit(r.members, (e.position - r.first)::integer) = 1)
      ORDER BY e.position LIMIT ${CHUNK}
    ), gone AS (
      DELETE FROM ${s}.events e USING doomed d WHERE e.topic_id = $1 AND e.position = d.position RETURNING e.position
    )
    SELECT count(*)::bigint AS n, max(position) AS last FROM gone`, [topicId, cut.cut, after]);
  const count = gone?.n ?? 0;
  if (count > 0) await sql.query(`UPDATE ${s}.topics SET count = count - $2 WHERE id = $1`, [topicId, count]);
  return { count, last: gone?.last ?? after };
}

