import type { CloudEvent } from '../../core/envelope.js';
import { checkReadAll, checkReadStream } from '../../log/stream-checks.js';
import { firstVisibleRevision, oldestVisibleTime } from '../../log/stream-metadata.js';
import type { ReadAllOptions, ReadStreamOptions, RecordedEvent } from '../../log/streams.js';
import { pageSize } from '../../log/validate.js';
import type { Db } from './db.js';
import { findStream, infoOf } from './stream-rows.js';

interface StreamEventRow { revision: number; global: number; position: number; appended_at: number; body: CloudEvent }
interface AllEventRow extends StreamEventRow { stream: string; topic: string }

/**
 * One stream, a page per query, with its metadata applied as of the start of the read (soft
 * delete, truncateBefore, maxCount, maxAgeMs). Each page is bounded by the stream row's revision
 * in the same snapshot: a stream's appends commit in revision order under its row lock.
 * Forwards it follows the stream as it grows (it ends at an empty page).
 */
export async function* readStreamPages(db: Db, stream: string, options: ReadStreamOptions | undefined): AsyncGenerator<RecordedEvent> {
  const o = checkReadStream(stream, options);
  const { s } = db;
  const row = await db.session(`reading stream ${stream}`, (sql) => findStream(sql, s, stream));
  if (!row || row.deleted === 2) return;
  const info = infoOf(row);
  const first = firstVisibleRevision(info);
  const oldest = info.metadata.maxAgeMs === undefined ? Number.MIN_SAFE_INTEGER : oldestVisibleTime(info.metadata, await now(db));
  const forwards = o.direction === 'forwards';
  const limit = o.limit ?? Infinity;
  const size = pageSize(o.limit);
  let next = forwards ? Math.max(first, o.fromRevision ?? 1) : Math.min(row.revision, o.fromRevision ?? row.revision);
  const sql = `SELECT se.revision, se.global, e.position, e.appended_at, e.body FROM ${s}.stream_events se
    JOIN ${s}.events e ON e.topic_id = se.topic_id AND e.position = se.position
    WHERE se.stream_id = $1 AND se.revision >= $2 AND se.revision <= $3 AND e.appended_at >= $4
      AND se.revision <= (SELECT st.revision FROM ${s}.streams st WHERE st.id = $1)
    ORDER BY se.revision ${forwards ? '' : 'DESC'} LIMIT $5`;
  for (let yielded = 0; yielded < limit;) {
    const [low, high] = forwards ? [next, Number.MAX_SAFE_INTEGER] : [first, next];
    if (low > high) return;
    const page = await db.query<StreamEventRow>(sql, [row.id, low, high, oldest, Math.min(size, limit - yielded)], `reading stream ${stream}`);
    if (page.length === 0) return;
    for (const r of page) {
      next = forwards ? r.revision + 1 : r.revision - 1;
      yielded++;
      yield { topic: row.topic, position: r.position, appendedAt: r.appended_at, event: r.body, stream, revision: r.revision, globalPosition: r.global };
    }
  }
}

/**
 * `$all` (or a category of it) in global order, a page per query. Forwards, each page stops at
 * `all_head.head` read in the same snapshot: stream appends commit in `$all` order (the all_head
 * row lock), so every position at or below a visible head is committed and none is skipped.
 */
export async function* readAllPages(db: Db, options: ReadAllOptions | undefined): AsyncGenerator<RecordedEvent> {
  const o = checkReadAll(options);
  const { s } = db;
  const forwards = o.direction === 'forwards';
  const limit = o.limit ?? Infinity;
  const size = o.types ? 512 : pageSize(o.limit);
  const types = o.types ? [...o.types] : null;
  let next = forwards ? Math.max(1, o.fromPosition ?? 1) : (o.fromPosition ?? Number.MAX_SAFE_INTEGER);
  const sql = `SELECT se.global, se.revision, st.name AS stream, t.name AS topic, e.position, e.appended_at, e.body
    FROM ${s}.stream_events se
    JOIN ${s}.events e ON e.topic_id = se.topic_id AND e.position = se.position
    JOIN ${s}.streams st ON st.id = se.stream_id JOIN ${s}.topics t ON t.id = se.topic_id
    WHERE se.global ${forwards ? '>=' : '<='} $1 AND se.global <= (SELECT h.head FROM ${s}.all_head h)
      ${o.category === undefined ? 'AND $3::text IS NULL' : 'AND se.category = $3'}
      AND ($4::text[] IS NULL OR e.type = ANY($4::text[]))
    ORDER BY se.global ${forwards ? '' : 'DESC'} LIMIT $2`;
  for (let yielded = 0; yielded < limit && next >= 1;) {
    const page = await db.query<AllEventRow>(sql, [next, Math.min(size, limit - yielded), o.category ?? null, types], 'reading $all');
    if (page.length === 0) return;
    for (const r of page) {
      next = forwards ? r.global + 1 : r.global - 1;
      yielded++;
      yield { topic: r.topic, position: r.position, appendedAt: r.appended_at, event: r.body, stream: r.stream, revision: r.revision, globalPosition: r.global };
    }
  }
}

/** The log's clock, or the server's when it has none. */
async function now(db: Db): Promise<number> {
  const local = db.now();
  if (local !== null) return local;
  const [row] = await db.query<{ now: number }>(`SELECT ${db.s}.now_ms() AS now`, [], 'reading the server clock');
  return row!.now;
}
