import { keyOf, type CloudEvent } from '../../core/envelope.js';
import { categoryOf, type ExpectedRevision, type StreamAppendResult } from '../../log/streams.js';
import { classifyAppend, revisionConflict, streamDeleted, type FoundEvent } from '../../log/stream-checks.js';
import { rows, type Db, type Sql } from './db.js';
import { EXPECTED_CODE } from './stream-append-migration.js';
import { checked, findStream, lastGlobal, lockStream, type StreamRow } from './stream-rows.js';

export interface StreamAppend {
  stream: string;
  /** The topic a new stream is created on (an existing one keeps its own), and its id. */
  topic: string;
  topicId: number;
  expected: ExpectedRevision;
  events: readonly CloudEvent[];
}

interface LocatedRow { id: string; position: number; appended_at: number; stream: string | null; revision: number | null; global: number | null }
interface WrittenRow { ord: number; pos: number; at: number; revision: number; global: number }

/** SQLSTATE raised by append_stream_events when a plain append stored one of its ids meanwhile. */
const STORED_MEANWHILE = 'HR001';

/**
 * One stream append, in one transaction: lock the stream row (creating it), refuse a tombstone,
 * answer an exact retry with its original result, check the expected revision (the shared rules),
 * then `append_stream_events` writes topic rows, `$all` positions and index rows. Durable at COMMIT.
 */
export async function appendStream(db: Db, a: StreamAppend): Promise<StreamAppendResult> {
  if (a.events.length === 0) return db.session(`reading stream ${a.stream}`, (sql) => noEvents(sql, db.s, a));
  const fast = await appendInOneStatement(db, a);
  if (fast) return fast;
  for (let attempt = 0; ; attempt++) {
    try {
      return await db.tx(`appending to stream ${a.stream}`, (sql) => appendTx(sql, db, a));
    } catch (error) {
      // A racing plain append took an id: check again, now classifyAppend sees where it is.
      if ((error as { code?: unknown }).code !== STORED_MEANWHILE || attempt > 0) throw error;
    }
  }
}

interface FastRow { status: 'ok' | 'slow' | 'conflict'; topic: string; ord: number; pos: number; at: number; revision: number; global: number }

/**
 * The common case in one round trip (`append_stream`, stream-append-migration.ts): undefined when
 * the function left it to the transaction path (a deleted stream, an id already stored, an id
 * stored meanwhile). A conflict's error comes from the shared rules, given the stream's revision.
 */
async function appendInOneStatement(db: Db, a: StreamAppend): Promise<StreamAppendResult | undefined> {
  const expected = typeof a.expected === 'number' ? a.expected : EXPECTED_CODE[a.expected];
  const ids = a.events.map((e) => e.id);
  let written: FastRow[];
  try {
    written = await db.session(`appending to stream ${a.stream}`, (sql) => rows<FastRow>(sql, `SELECT * FROM ${db.s}.append_stream($1, $2, $3, $4, $5, $6, $7, $8::json[], $9)`, [
      a.stream, categoryOf(a.stream), a.topicId, expected, ids, a.events.map((e) => e.type), a.events.map((e) => keyOf(e) ?? null), a.events.map((e) => JSON.stringify(e)), db.now(),
    ]));
  } catch (error) {
    if ((error as { code?: unknown }).code === STORED_MEANWHILE) return undefined;
    throw error;
  }
  const first = written[0]!;
  if (first.status === 'slow') return undefined;
  if (first.status === 'conflict') {
    const conflict = revisionConflict(a.stream, { revision: first.revision, deleted: 'no' }, a.expected);
    if (conflict) throw conflict;
    return undefined; // the rules and the function disagree: the full path decides
  }
  const last = written.at(-1)!;
  const topic = first.topic;
  return {
    stream: a.stream,
    revision: last.revision,
    globalPosition: last.global,
    receipts: written.map((w, i) => ({ topic, id: ids[i]!, position: w.pos, appendedAt: w.at, duplicate: false })),
  };
}

async function appendTx(sql: Sql, db: Db, a: StreamAppend): Promise<StreamAppendResult> {
  const { s } = db;
  const row = (await lockStream(sql, s, a.stream, { topicId: a.topicId, category: categoryOf(a.stream) }))!;
  if (row.deleted === 2) throw streamDeleted(a.stream);
  const ids = a.events.map((e) => e.id);
  const located = await locate(sql, s, row.topic_id, ids);
  const found = ids.map((id) => located.get(id));
  if (classifyAppend(a.stream, row.topic, ids, found.map(foundOf)) === 'retry') return retried(a.stream, row.topic, ids, found as LocatedRow[]);
  checked(a.stream, row, a.expected);
  const written = await rows<WrittenRow>(sql, `SELECT * FROM ${s}.append_stream_events($1, $2, $3, $4, $5, $6::json[], $7)`, [
    row.id, row.topic, ids, a.events.map((e) => e.type), a.events.map((e) => keyOf(e) ?? null), a.events.map((e) => JSON.stringify(e)), db.now(),
  ]);
  const last = written.at(-1)!;
  return {
    stream: a.stream,
    revision: last.revision,
    globalPosition: last.global,
    receipts: written.map((w, i) => ({ topic: row.topic, id: ids[i]!, position: w.pos, appendedAt: w.at, duplicate: false })),
  };
}

/** An append of no events: only the expected revision is checked; nothing is written. */
async function noEvents(sql: Sql, s: string, a: StreamAppend): Promise<StreamAppendResult> {
  const row: StreamRow | undefined = await findStream(sql, s, a.stream);
  if (row?.deleted === 2) throw streamDeleted(a.stream);
  checked(a.stream, row, a.expected);
  return { stream: a.stream, revision: row?.revision ?? 0, globalPosition: row ? await lastGlobal(sql, s, row.id) : 0, receipts: [] };
}

async function locate(sql: Sql, s: string, topicId: number, ids: readonly string[]): Promise<Map<string, LocatedRow>> {
  const found = await rows<LocatedRow>(sql, `
    SELECT e.id, e.position, e.appended_at, st.name AS stream, se.revision, se.global FROM ${s}.events e
    LEFT JOIN ${s}.stream_events se ON se.topic_id = e.topic_id AND se.position = e.position
    LEFT JOIN ${s}.streams st ON st.id = se.stream_id
    WHERE e.topic_id = $1 AND e.id = ANY($2::text[])`, [topicId, ids]);
  return new Map(found.map((r) => [r.id, r]));
}

function foundOf(row: LocatedRow | undefined): FoundEvent {
  return row && { stream: row.stream ?? undefined, revision: row.revision ?? 0, globalPosition: row.global ?? 0 };
}

/** The original result of an exact retry; nothing is written. */
function retried(stream: string, topic: string, ids: readonly string[], located: readonly LocatedRow[]): StreamAppendResult {
  let last = located[0]!;
  for (const l of located) if (l.revision! > last.revision!) last = l;
  return {
    stream,
    revision: last.revision!,
    globalPosition: last.global!,
    receipts: located.map((l, i) => ({ topic, id: ids[i]!, position: l.position, appendedAt: l.appended_at, duplicate: true })),
  };
}
