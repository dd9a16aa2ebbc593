import type { CloudEvent } from '../../core/envelope.js';
import type { ReadOptions, StoredEvent } from '../../log/types.js';
import { pageSize } from '../../log/validate.js';
import type { Engine } from './engine.js';
import { findTopic, startPosition, topicRow } from './topics.js';

/**
 * Streams a topic in position order, one page (at most 512 rows, one prepared statement) per query,
 * so a backlog is never loaded whole. Like MemoryLog's read it follows the topic as it grows: it
 * ends only when a page comes back empty. `beforePage` runs before every query (closed? flush
 * queued appends so the caller reads its own writes).
 */
export async function* readPages(engine: Engine, topic: string, options: ReadOptions, beforePage: () => void): AsyncIterable<StoredEvent> {
  const { ctx } = engine;
  const limit = options.limit ?? Infinity;
  const types = options.types;
  const size = types ? 512 : pageSize(options.limit);
  beforePage();
  const start = engine.read(() => {
    const id = findTopic(ctx, topic);
    return id === undefined ? undefined : { id, next: startPosition(ctx, id, topicRow(ctx, id).head, options.from ?? 'earliest') };
  }, `reading ${topic}`);
  if (!start) return;
  let next = start.next;
  let yielded = 0;
  while (yielded < limit) {
    beforePage();
    const rows = engine.read(() => ctx.st.page.all(start.id, next, size), `reading ${topic}`);
    if (rows.length === 0) return;
    for (const row of rows) {
      next = row.position + 1;
      const event = JSON.parse(row.body) as CloudEvent;
      if (types && !types.includes(event.type)) continue;
      yielded++;
      yield { topic, position: row.position, appendedAt: row.appended_at, event };
      if (yielded >= limit) return;
    }
  }
}
