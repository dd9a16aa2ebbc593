import type { CloudEvent } from '../../core/envelope.js';
import type { ReadOptions, StoredEvent } from '../../log/types.js';
import { pageSize } from '../../log/validate.js';
import type { Db } from './db.js';
import { scanForwards } from './scan-window.js';
import { startPosition, type Topics } from './topics.js';

interface Row { position: number; appended_at: number; body: CloudEvent }

/** A page of a topic read: $1 topic id, $2 first position, $3 rows, $4 types (or NULL), $5 last position. */
export function readPageSql(s: string): string {
  return `SELECT e.position, e.appended_at, e.body FROM ${s}.events e
    WHERE e.topic_id = $1 AND e.position >= $2 AND e.position <= $5 AND ($4::text[] IS NULL OR e.type = ANY($4::text[]))
    ORDER BY e.position LIMIT $3`;
}

/**
 * Streams a topic in position order, a page per query, following it as it grows (it ends once it
 * reached the head and the head did not move), like MemoryLog's read. Pages read only up to a head
 * already committed: every position at or below a committed head is committed (appends of a topic
 * commit in position order, see append_events), so a reader never steps past a position that a
 * slower writer has yet to commit. Each page also stops at a window of positions (scan-window.ts).
 */
export async function* readTopic(db: Db, topics: Topics, topic: string, options: ReadOptions): AsyncGenerator<StoredEvent> {
  const topicId = await topics.find(topic);
  if (topicId === undefined) return;
  const { s } = db;
  const from = await startPosition(db.pool, s, topicId, options.from ?? 'earliest');
  const types = options.types ? [...options.types] : null;
  const sql = readPageSql(s);
  const rows = scanForwards<Row>({
    size: options.types ? 512 : pageSize(options.limit),
    filtered: types !== null,
    page: (lo, hi, room) => db.query<Row>(sql, [topicId, lo, room, types, hi], `reading ${topic}`),
    keyOf: (row) => row.position,
  }, from, options.limit ?? Infinity, async () =>
    (await db.query<{ head: number }>(`SELECT head FROM ${s}.topics WHERE id = $1`, [topicId], `reading ${topic}`))[0]?.head ?? 0);
  for await (const row of rows) yield { topic, position: row.position, appendedAt: row.appended_at, event: row.body };
}
