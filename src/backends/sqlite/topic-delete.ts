import { streamsOnTopic } from '../../log/stream-checks.js';
import { findTopic, type Ctx } from './topics.js';

/**
 * Removes a topic's events, groups, leases and its row, in the caller's transaction. The name
 * can be made again (a new id, positions from 1). A topic that carries streams is refused: its
 * events are the streams' history.
 */
export function deleteTopicTx(ctx: Ctx, topic: string): boolean {
  const id = findTopic(ctx, topic);
  if (id === undefined) return false;
  if (ctx.db.prepare('SELECT 1 FROM streams WHERE topic_id = ? LIMIT 1').get(id) !== undefined) throw streamsOnTopic(topic);
  for (const table of ['inflight', 'groups', 'events']) ctx.db.prepare(`DELETE FROM ${table} WHERE topic_id = ?`).run(id);
  ctx.db.prepare('DELETE FROM topics WHERE id = ?').run(id);
  ctx.topicIds.delete(topic);
  return true;
}
