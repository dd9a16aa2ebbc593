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
 * Applies settlements in order, each fenced by its lease id: a row whose lease id differs (or is
 * gone, or the settlement names lease 0) is `stale` and untouched.
 */
export function settleTx(ctx: Ctx, topic: string, group: string, settlements: readonly Settlement[], now: number): SettleOutcome[] {
  const g = findGroup(ctx, topic, group);
  const { st } = ctx;
  return settlements.map((s): SettleOutcome => {
    if (!g || s.leaseId === 0) return 'stale';
    const at = [g.topicId, g.groupId, s.position, s.leaseId] as const;
    let changes = 0;
    switch (s.kind) {
      case 'ack': changes = st.ack.run(...at).changes; break;
      case 'nack': changes = st.nack.run(now + s.delayMs, s.error ? JSON.stringify(s.error) : null, ...at).changes; break;
      case 'release': changes = st.release.run(now, ...at).changes; break;
      case 'extend': changes = st.extend.run(now + s.leaseMs, ...at).changes; break;
    }
    return changes === 1 ? 'ok' : 'stale';
  });
}

/** True when the delivery's lease still holds its row; acks it (for ackWith). */
export function ackIfHeld(ctx: Ctx, topic: string, group: string, position: number, leaseId: number): boolean {
  const g = findGroup(ctx, topic, group);
  if (!g || leaseId === 0) return false;
  return ctx.st.ack.run(g.topicId, g.groupId, position, leaseId).changes === 1;
}

export function holdsLease(ctx: Ctx, topic: string, group: string, position: number, leaseId: number): boolean {
  const g = findGroup(ctx, topic, group);
  return g !== undefined && leaseId !== 0 && ctx.st.holds.get(g.topicId, g.groupId, position, leaseId) !== undefined;
}

/** Hands `event` (stored beside the row, so the log itself is untouched) to the group again. */
export function requeueTx(ctx: Ctx, topic: string, group: string, event: CloudEvent, position: number): void {
  const topicId = ensureTopic(ctx, topic);
  const g = ensureGroup(ctx, topicId, topicRow(ctx, topicId).head, group, 'earliest');
  ctx.st.putRow.run(topicId, g.id, position, keyOf(event) ?? null, 0, 0, 0, JSON.stringify(event));
}

export function deleteGroupTx(ctx: Ctx, topic: string, group: string): void {
  const g = findGroup(ctx, topic, group);
  if (!g) return;
  ctx.st.clearGroup.run(g.topicId, g.groupId);
  ctx.st.deleteGroup.run(g.groupId);
}

export function deleteEventTx(ctx: Ctx, topic: string, position: number): boolean {
  const topicId = findTopic(ctx, topic);
  if (topicId === undefined) return false;
  const removed = ctx.st.deleteEvent.run(topicId, position).changes === 1;
  if (removed) ctx.st.addCount.run(-1, topicId);
  return removed;
}
