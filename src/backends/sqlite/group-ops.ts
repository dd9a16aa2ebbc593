import { keyOf, type CloudEvent } from '../../core/envelope.js';
import type { Settlement, SettleOutcome } from '../../log/types.js';
import { ensureGroup, ensureTopic, findTopic, topicRow, type Ctx } from './topics.js';

/** The ids of an existing topic and group, or undefined (settling never creates either). */
export function findGroup(ctx: Ctx, topic: string, group: string): { topicId: number; groupId: number } | undefined {
  const topicId = findTopic(ctx, topic);
  if (topicId === undefined) return undefined;
  const row = ctx.st.groupByName.get(topicId, group);
  return row && { topicId, groupId: row.id };
}

/**
 * Applies settlements in order, each fenced by its lease id: a delivery whose lease id differs (or
 * is gone, or the settlement names lease 0) is `stale` and untouched; the same ack twice is `ok`
 * once, then `stale`. A member of a lease run (lease-runs.ts) is acked by clearing its bit; a nack,
 * release or extend moves it into a row of its own. Otherwise one statement per settlement: a
 * multi-row `DELETE ... IN (...) RETURNING` measured twice as slow per ack (SQLite buffers
 * RETURNING rows in a temporary table).
 */
export function settleTx(ctx: Ctx, topic: string, group: string, settlements: readonly Settlement[], now: number): SettleOutcome[] {
  const g = findGroup(ctx, topic, group);
  const out = new Array<SettleOutcome>(settlements.length).fill('stale');
  if (!g) return out;
  const { st } = ctx;
  const { topicId, groupId } = g;
  const runs = ctx.runs.session(topicId, groupId);
  for (let i = 0; i < settlements.length; i++) {
    const s = settlements[i]!;
    if (s.leaseId === 0) continue;
    if (runs.remove(s.leaseId, s.position)) {
      settleMember(ctx, topicId, groupId, s, now);
      out[i] = 'ok';
      continue;
    }
    let changes = 0;
    switch (s.kind) {
      case 'ack': changes = st.ack.run(topicId, groupId, s.position, s.leaseId).changes; break;
      case 'nack': changes = st.nack.run(now + s.delayMs, s.error ? JSON.stringify(s.error) : null, topicId, groupId, s.position, s.leaseId).changes; break;
      case 'release': changes = st.release.run(now, topicId, groupId, s.position, s.leaseId).changes; break;
      case 'extend': changes = st.extend.run(now + s.leaseMs, topicId, groupId, s.position, s.leaseId).changes; break;
    }
    if (changes === 1) out[i] = 'ok';
  }
  runs.flush();
  return out;
}

/** A lease-run member just taken out of its run: anything but an ack leaves it pending as a row. */
function settleMember(ctx: Ctx, topicId: number, groupId: number, s: Settlement, now: number): void {
  const put = (attempt: number, leaseId: number, visibleAt: number, lastError: string | null): void => {
    ctx.st.putMember.run(topicId, groupId, s.position, attempt, leaseId, visibleAt, lastError);
  };
  switch (s.kind) {
    case 'ack': return;
    case 'nack': put(1, 0, now + s.delayMs, s.error ? JSON.stringify(s.error) : null); return;
    case 'release': put(0, 0, now, null); return;
    case 'extend': put(1, s.leaseId, now + s.leaseMs, null); return;
  }
}

/** True when the delivery's lease still holds its row; acks it (for ackWith). */
export function ackIfHeld(ctx: Ctx, topic: string, group: string, position: number, leaseId: number): boolean {
  const g = findGroup(ctx, topic, group);
  if (!g || leaseId === 0) return false;
  const runs = ctx.runs.session(g.topicId, g.groupId);
  if (runs.remove(leaseId, position)) { runs.flush(); return true; }
  return ctx.st.ack.run(g.topicId, g.groupId, position, leaseId).changes === 1;
}

export function holdsLease(ctx: Ctx, topic: string, group: string, position: number, leaseId: number): boolean {
  const g = findGroup(ctx, topic, group);
  if (!g || leaseId === 0) return false;
  return ctx.runs.session(g.topicId, g.groupId).has(leaseId, position) || ctx.st.holds.get(g.topicId, g.groupId, position, leaseId) !== undefined;
}

/** Hands `event` (stored beside the row, so the log itself is untouched) to the group again. */
export function requeueTx(ctx: Ctx, topic: string, group: string, event: CloudEvent, position: number): void {
  const topicId = ensureTopic(ctx, topic);
  const g = ensureGroup(ctx, topicId, topicRow(ctx, topicId).head, group, 'earliest');
  ctx.runs.drop(topicId, g.id, position);
  ctx.st.putRow.run(topicId, g.id, position, keyOf(event) ?? null, 0, 0, 0, JSON.stringify(event));
}

export function deleteGroupTx(ctx: Ctx, topic: string, group: string): void {
  const g = findGroup(ctx, topic, group);
  if (!g) return;
  ctx.st.clearGroup.run(g.topicId, g.groupId);
  ctx.st.deleteGroup.run(g.groupId); // its lease runs go with it (a trigger)
}

export function deleteEventTx(ctx: Ctx, topic: string, position: number): boolean {
  const topicId = findTopic(ctx, topic);
  if (topicId === undefined) return false;
  const removed = ctx.st.deleteEvent.run(topicId, position).changes === 1;
  if (removed) ctx.st.addCount.run(-1, topicId);
  return removed;
}
