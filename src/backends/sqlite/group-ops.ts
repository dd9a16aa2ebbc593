import { keyOf, type CloudEvent } from '../../core/envelope.js';
import type { Settlement, SettleOutcome } from '../../log/types.js';
import { ROWS_PER_INSERT } from './insert-rows.js';
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
 * gone, or the settlement names lease 0) is `stale` and untouched. A run of consecutive acks is
 * applied with one DELETE per lease (acks commute: each can only delete its own row; the same ack
 * twice is `ok` once, then `stale`).
 */
export function settleTx(ctx: Ctx, topic: string, group: string, settlements: readonly Settlement[], now: number): SettleOutcome[] {
  const g = findGroup(ctx, topic, group);
  const out = new Array<SettleOutcome>(settlements.length).fill('stale');
  if (!g) return out;
  const { st } = ctx;
  for (let i = 0; i < settlements.length;) {
    const s = settlements[i]!;
    if (s.kind === 'ack') {
      let end = i + 1;
      while (end < settlements.length && settlements[end]!.kind === 'ack') end++;
      ackRun(ctx, g, settlements, i, end, out);
      i = end;
      continue;
    }
    i++;
    if (s.leaseId === 0) continue;
    const at = [g.topicId, g.groupId, s.position, s.leaseId] as const;
    let changes = 0;
    switch (s.kind) {
      case 'nack': changes = st.nack.run(now + s.delayMs, s.error ? JSON.stringify(s.error) : null, ...at).changes; break;
      case 'release': changes = st.release.run(now, ...at).changes; break;
      case 'extend': changes = st.extend.run(now + s.leaseMs, ...at).changes; break;
    }
    if (changes === 1) out[i - 1] = 'ok';
  }
  return out;
}

/** Acks settlements[from, to), all of kind ack, grouped by lease id; marks the rows deleted `ok`. */
function ackRun(ctx: Ctx, g: { topicId: number; groupId: number }, settlements: readonly Settlement[], from: number, to: number, out: SettleOutcome[]): void {
  const byLease = new Map<number, Map<number, number>>(); // lease id -> position -> index of its first ack
  for (let i = from; i < to; i++) {
    const { leaseId, position } = settlements[i]!;
    if (leaseId === 0) continue;
    let positions = byLease.get(leaseId);
    if (!positions) byLease.set(leaseId, (positions = new Map()));
    if (!positions.has(position)) positions.set(position, i);
  }
  for (const [leaseId, positions] of byLease) {
    const all = [...positions.keys()];
    for (let c = 0; c < all.length; c += ROWS_PER_INSERT) {
      const chunk = all.slice(c, c + ROWS_PER_INSERT);
      const deleted = ctx.multi.ackRows.statement(chunk.length).pluck().all(g.topicId, g.groupId, leaseId, ...chunk) as number[];
      for (const position of deleted) out[positions.get(position)!] = 'ok';
    }
  }
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
