import { searchByTime } from '../../log/start.js';
import type { Engine } from './engine.js';
import { firstPosition, parseRetention, topicRow, type Ctx } from './topics.js';

/** Events deleted per transaction (the loop yields to the event loop between chunks). */
const CHUNK = 2048;

type Write = <T>(fn: () => T, doing: string) => Promise<T>;

/**
 * Deletes what each topic's retention allows now, as MemoryLog does: everything at or before
 * head - maxCount and everything appended more than maxAgeMs ago, except events a group's pending
 * row still reads from the log. Returns how many events went.
 */
export async function applyRetention(engine: Engine, now: number, write: Write): Promise<number> {
  const { ctx } = engine;
  let removed = 0;
  const topics = engine.read(() => ctx.st.allTopics.all(), 'listing topics');
  for (const t of topics) {
    const cut = engine.read(() => retentionCut(ctx, t.id, now), `applying retention to ${t.name}`);
    for (let n = CHUNK; cut > 0 && n === CHUNK;) {
      n = await write(() => deleteExpired(ctx, t.id, cut, CHUNK), `applying retention to ${t.name}`);
      removed += n;
      if (n === CHUNK) await new Promise((resolve) => setImmediate(resolve));
    }
  }
  return removed;
}

/** Where retention cuts `topic` now: every event at or before the returned position may go. */
function retentionCut(ctx: Ctx, topicId: number, now: number): number {
  const row = topicRow(ctx, topicId);
  const { maxAgeMs, maxCount } = parseRetention(row.retention);
  let cut = maxCount !== undefined ? row.head - maxCount : 0;
  if (maxAgeMs !== undefined) {
    const first = firstPosition(ctx, topicId, row.head);
    const young = searchByTime(first, row.head, now - maxAgeMs, (p) => ctx.st.appendedAtFrom.get(topicId, p));
    cut = Math.max(cut, young - 1);
  }
  return cut;
}

/** Deletes up to `limit` events at or before `cut` that no pending row still reads; returns how many. */
function deleteExpired(ctx: Ctx, topicId: number, cut: number, limit: number): number {
  ctx.runs.explodeTopic(topicId); // the query below reads pending deliveries as rows
  const removed = ctx.st.deleteExpired.run({ topicId, cut, limit }).changes;
  if (removed > 0) ctx.st.addCount.run(-removed, topicId);
  return removed;
}

