import { keyOf, type CloudEvent } from '../../core/envelope.js';
import { KeyGate } from '../../log/key-gate.js';
import type { FailureInfo, SettleOutcome, Settlement } from '../../log/types.js';

/**
 * One consumer group's state, changed only by commands read in control-stream order, so every
 * process that replays the stream computes the same leases, attempts and outcomes. The rules are
 * the reference backend's (src/log/memory): key gating at fetch time, fencing by lease id.
 */
export interface Row {
  position: number;
  key: string | undefined;
  attempt: number;
  /** 0 when nobody holds it. */
  leaseId: number;
  visibleAt: number;
  /** Set by requeue (a redriven, possibly edited event); otherwise the stored event. */
  event?: CloudEvent;
  lastError?: FailureInfo;
}

/** What a group sees of its topic. */
export interface TopicView {
  /** The last position a fetch may take. */
  head: number;
  /** The first position that may still hold an event. */
  first: number;
  /** The key of the event at `position`, or undefined when there is none (hole, duplicate, deleted, trimmed). */
  live(position: number): { key: string | undefined } | undefined;
}

export interface Grant {
  position: number;
  attempt: number;
  leaseId: number;
  leaseUntil: number;
  lastError?: FailureInfo;
  event?: CloudEvent;
}

/** A group's state as a snapshot holds it (snapshots.ts): the rows in their table order. */
export interface GroupSnapshot {
  cursor: number;
  rows: Row[];
}

export class GroupTable {
  private readonly inflight = new Map<number, Row>();
  private readonly keyCounts = new Map<string, number>();

  constructor(public cursor: number) {}

  get pending(): number {
    return this.inflight.size;
  }

  /** Positions whose stored event the group still needs (retention keeps them). */
  held(): number[] {
    return [...this.inflight.values()].filter((r) => !r.event).map((r) => r.position);
  }

  clone(): GroupTable {
    const copy = new GroupTable(this.cursor);
    for (const row of this.inflight.values()) copy.addRow({ ...row });
    return copy;
  }

  snapshot(): GroupSnapshot {
    return { cursor: this.cursor, rows: [...this.inflight.values()].map((row) => ({ ...row })) };
  }

  static restore(snapshot: GroupSnapshot): GroupTable {
    const table = new GroupTable(snapshot.cursor);
    for (const row of snapshot.rows) table.addRow({ ...row });
    return table;
  }

  /** Could a fetch at `now` hand anything out? (A cheap test before a fetch is proposed.) */
  mayHaveWork(view: TopicView, now: number): boolean {
    if (this.cursor <= view.head) return true;
    for (const row of this.inflight.values()) if (row.visibleAt <= now) return true;
    return false;
  }

  fetch(view: TopicView, now: number, leaseId: number, max: number, leaseMs: number): Grant[] {
    const leaseUntil = now + leaseMs;
    const out: Grant[] = [];
    const gate = new KeyGate();
    const visible: Row[] = [];
    for (const row of this.inflight.values()) {
      if (row.visibleAt <= now) visible.push(row);
      else if (row.key !== undefined) {
        if (row.leaseId !== 0) gate.hold(row.key); else gate.block(row.key, row.position);
      }
    }
    visible.sort((a, b) => a.position - b.position);
    const takenByKey = new Map<string, number>();
    const take = (row: Row): void => {
      row.attempt++;
      row.leaseId = leaseId;
      row.visibleAt = leaseUntil;
      if (row.key !== undefined) takenByKey.set(row.key, (takenByKey.get(row.key) ?? 0) + 1);
      const grant: Grant = { position: row.position, attempt: row.attempt, leaseId, leaseUntil };
      if (row.lastError) grant.lastError = row.lastError;
      if (row.event) grant.event = row.event;
      out.push(grant);
    };
    for (const row of visible) {
      if (out.length >= max) break;
      if (!gate.admit(row.key, row.position)) { gate.block(row.key!, row.position); continue; }
      if (!row.event && !view.live(row.position)) { this.removeRow(row); continue; } // the event is gone
      take(row);
    }
    // A key now leased here is no longer the expired holder's: revoke its expired leases on that key,
    // or its late ack of a later event would land before this consumer settles an earlier one.
    for (const row of visible) {
      if (row.leaseId !== 0 && row.leaseId !== leaseId && row.key !== undefined && takenByKey.has(row.key)) row.leaseId = 0;
    }
    if (this.cursor < view.first) this.cursor = view.first;
    let parked = 0;
    while (out.length < max && this.cursor <= view.head && parked < max * 8) {
      const position = this.cursor++;
      const live = view.live(position);
      if (!live) continue;
      const row: Row = { position, key: live.key, attempt: 0, leaseId: 0, visibleAt: 0 };
      this.addRow(row);
      const heldElsewhere = row.key !== undefined && (this.keyCounts.get(row.key) ?? 0) - 1 > (takenByKey.get(row.key) ?? 0);
      if (heldElsewhere) { parked++; continue; }
      take(row);
    }
    return out;
  }

  settle(settlements: readonly Settlement[], now: number): SettleOutcome[] {
    return settlements.map((s) => {
      const row = this.inflight.get(s.position);
      if (!row || row.leaseId !== s.leaseId || s.leaseId === 0) return 'stale';
      switch (s.kind) {
        case 'ack': this.removeRow(row); break;
        case 'nack':
          row.leaseId = 0;
          row.visibleAt = now + s.delayMs;
          if (s.error) row.lastError = s.error;
          break;
        case 'release': row.leaseId = 0; row.visibleAt = now; row.attempt--; break;
        case 'extend': row.visibleAt = now + s.leaseMs; break;
      }
      return 'ok';
    });
  }

  requeue(event: CloudEvent, position: number): void {
    const existing = this.inflight.get(position);
    if (existing) this.removeRow(existing);
    this.addRow({ position, key: keyOf(event), attempt: 0, leaseId: 0, visibleAt: 0, event });
  }

  private addRow(row: Row): void {
    this.inflight.set(row.position, row);
    if (row.key !== undefined) this.keyCounts.set(row.key, (this.keyCounts.get(row.key) ?? 0) + 1);
  }

  private removeRow(row: Row): void {
    this.inflight.delete(row.position);
    if (row.key === undefined) return;
    const n = (this.keyCounts.get(row.key) ?? 1) - 1;
    if (n === 0) this.keyCounts.delete(row.key); else this.keyCounts.set(row.key, n);
  }
}
