import { resolveStart, searchByTime } from '../../log/start.js';
import type { GroupInfo, Retention } from '../../log/types.js';
import type { Command, WireStart } from './commands.js';
import { GroupTable, type GroupSnapshot, type TopicView } from './group-table.js';
import type { IndexEntry, TopicIndex } from './topic-index.js';

/** Everything a TopicState holds, as JSON-safe data (snapshots.ts). */
export interface StateSnapshot {
  groups: [string, GroupSnapshot][];
  retention: Retention;
  announcedHead: number;
  floor: number;
  kept: number[];
  deleted: number[];
  goneCount: number;
}

/**
 * A topic's groups, retention and deletions as of some point of its control stream. `apply`
 * is deterministic: given the same data stream and the same commands, every process gets the
 * same state and the same results. Commands that read the data see it up to `announcedHead`.
 */
export class TopicState {
  readonly groups = new Map<string, GroupTable>();
  retention: Retention = {};
  /** The highest position appenders announced: what fetches, resets and trims may see. */
  announcedHead = 0;
  /** Positions below `floor` were trimmed by retention, except those in `kept` (a group held them). */
  private floor = 0;
  private readonly kept = new Set<number>();
  private readonly deleted = new Set<number>();
  private goneCount = 0;

  constructor(private readonly index: TopicIndex) {}

  snapshot(): StateSnapshot {
    return {
      groups: [...this.groups].map(([name, group]) => [name, group.snapshot()]),
      retention: { ...this.retention },
      announcedHead: this.announcedHead,
      floor: this.floor,
      kept: [...this.kept],
      deleted: [...this.deleted],
      goneCount: this.goneCount,
    };
  }

  /** Becomes the state a snapshot recorded (at open, before the commands after it are applied). */
  restore(snapshot: StateSnapshot): void {
    this.groups.clear();
    for (const [name, group] of snapshot.groups) this.groups.set(name, GroupTable.restore(group));
    this.retention = { ...snapshot.retention };
    this.announcedHead = snapshot.announcedHead;
    this.floor = snapshot.floor;
    this.kept.clear();
    for (const p of snapshot.kept) this.kept.add(p);
    this.deleted.clear();
    for (const p of snapshot.deleted) this.deleted.add(p);
    this.goneCount = snapshot.goneCount;
  }

  /** The topic as a group sees it when it may take positions up to `head`. */
  viewAt(head: number): TopicView {
    return { head, first: this.first(head), live: (position) => this.live(position) };
  }

  /** The entry of a stored, deliverable event at `position`. */
  live(position: number): IndexEntry | undefined {
    const entry = this.index.entry(position);
    if (!entry || entry.duplicate || this.deleted.has(position)) return undefined;
    if (position < this.floor && !this.kept.has(position)) return undefined;
    return entry;
  }

  /** The first live position up to `head`, or head + 1. */
  first(head: number): number {
    let kept = Infinity; // a loop, not Math.min(...set): a spread of many positions overflows the stack
    for (const p of this.kept) if (p < kept) kept = p;
    for (let p = Math.max(this.index.base, Math.min(kept, this.floor)); p <= head; p++) if (this.live(p)) return p;
    return head + 1;
  }

  count(): number {
    return this.index.liveCount - this.goneCount;
  }

  start(from: WireStart, head: number): number {
    const first = this.first(head);
    return resolveStart(from, { first, head }, (time) => searchByTime(first, head, time, (p) => this.index.atFrom(p, head)));
  }

  groupInfo(topic: string, name: string, group: GroupTable, head: number): GroupInfo {
    let after = 0;
    for (let p = Math.max(group.cursor, this.index.base); p <= head; p++) if (this.live(p)) after++;
    return { topic, group: name, cursor: group.cursor, pending: group.pending, lag: group.pending + after };
  }

  /** Applies one command; `offset` is its control-stream offset (lease ids are offset + 1: unique and the same everywhere). */
  apply(command: Command, offset: number): unknown {
    switch (command.k) {
      case 'sync': return undefined;
      case 'announce': this.announcedHead = Math.max(this.announcedHead, command.head); return undefined;
      case 'fetch': {
        this.announcedHead = Math.max(this.announcedHead, command.head);
        const group = this.group(command.g, command.from);
        return group.fetch(this.viewAt(this.announcedHead), command.at, offset + 1, command.max, command.leaseMs);
      }
      case 'settle': {
        const group = this.groups.get(command.g);
        return group ? group.settle(command.s, command.at) : command.s.map(() => 'stale');
      }
      case 'requeue': this.group(command.g, 'earliest').requeue(command.e, command.p); return undefined;
      case 'reset': this.groups.set(command.g, new GroupTable(this.start(command.to, this.announcedHead))); return undefined;
      case 'drop': this.groups.delete(command.g); return undefined;
      case 'retention': this.retention = command.r; return undefined;
      case 'trim': return this.trim(command.at);
      case 'delete': return this.delete(command.p);
      case 'closed': return undefined; // the replica stops at it (topic-replica.ts)
    }
  }

  private group(name: string, from: WireStart): GroupTable {
    let group = this.groups.get(name);
    if (!group) {
      group = new GroupTable(this.start(from, this.announcedHead));
      this.groups.set(name, group);
    }
    return group;
  }

  private delete(position: number): boolean {
    if (position > this.announcedHead || !this.live(position)) return false;
    this.deleted.add(position);
    this.kept.delete(position);
    this.goneCount++;
    return true;
  }

  /** Retention by count (newest `maxCount` events) and by age; what a group holds is kept. */
  private trim(now: number): number {
    const { maxAgeMs, maxCount } = this.retention;
    const head = this.announcedHead;
    let cut = 0;
    if (maxCount !== undefined) {
      let seen = 0;
      for (let p = head; p >= this.index.base && p > 0; p--) {
        if (!this.live(p)) continue;
        if (++seen > maxCount) { cut = p; break; }
      }
    }
    if (maxAgeMs !== undefined) {
      for (let p = this.first(head); p <= head; p++) {
        const entry = this.live(p);
        if (!entry) continue;
        if (entry.at < now - maxAgeMs) cut = Math.max(cut, p); else break;
      }
    }
    const held = new Set<number>();
    for (const group of this.groups.values()) for (const p of group.held()) held.add(p);
    let removed = 0;
    for (const p of [...this.kept]) {
      if (p <= cut && !held.has(p)) { this.kept.delete(p); removed++; }
    }
    const floor = Math.max(this.floor, cut + 1);
    for (let p = Math.max(this.floor, this.index.base); p < floor; p++) {
      if (!this.live(p)) continue;
      if (held.has(p)) this.kept.add(p); else removed++;
    }
    this.floor = floor;
    this.goneCount += removed;
    return removed;
  }
}
