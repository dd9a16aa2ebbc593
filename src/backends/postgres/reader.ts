import type { CloudEvent } from '../../core/envelope.js';
import type { ReadOptions, StoredEvent } from '../../log/types.js';
import { pageSize } from '../../log/validate.js';
import type { Db } from './db.js';
import { startPosition, type Topics } from './topics.js';

interface Row { position: number; appended_at: number; body: CloudEvent }

/**
 * Streams a topic in position order, a page per query, following it as it grows (it ends when a
 * page comes back empty), like MemoryLog's read. Each page reads only up to the topic's head as
 * seen in the same snapshot: every position at or below a committed head is committed (appends of
 * a topic commit in position order, see append_events), so a reader never steps past a position
 * that a slower writer has yet to commit.
 */
export async function* readTopic(db: Db, topics: Topics, topic: string, options: ReadOptions): AsyncGenerator<StoredEvent> {
  const topicId = await topics.find(topic);
  if (topicId === undefined) return;
  const { s } = db;
  let next = await startPosition(db.pool, s, topicId, options.from ?? 'earliest');
  const limit = options.limit ?? Infinity;
  const size = options.types ? 512 : pageSize(options.limit);
  const types = options.types ? [...options.types] : null;
  let yielded = 0;
  while (yielded < limit) {
    const page = await db.query<Row>(`
      SELECT e.position, e.appended_at, e.body FROM ${s}.events e
      WHERE e.topic_id = $1 AND e.position >= $2
        AND e.position <= (SELECT t.head FROM ${s}.topics t WHERE t.id = $1)
        AND ($4::text[] IS NULL OR e.type = ANY($4::text[]))
      ORDER BY e.position LIMIT $3`, [topicId, next, Math.min(size, limit - yielded), types], `reading ${topic}`);
    if (page.length === 0) return;
    for (const row of page) {
      next = row.position + 1;
      yielded++;
      yield { topic, position: row.position, appendedAt: row.appended_at, event: row.body };
    }
  }
}
