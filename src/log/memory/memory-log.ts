import { assertValidEnvelope, keyOf, type CloudEvent } from '../../core/envelope.js';
import { HeraldError } from '../../core/errors.js';
import { systemClock, type Clock } from '../../core/clock.js';
import { assertEventAt } from '../event-at.js';
import { KeyGate } from '../key-gate.js';
import { assertGroup, assertPositiveInt, assertStartFrom, assertTopic } from '../names.js';
import { resolveStart, searchByTime } from '../start.js';
import { assertStreamTopicOption, streamsOnTopic, type StreamTopic } from '../stream-checks.js';
import type { StreamLog } from '../streams.js';
import { checkSettlements } from '../validate.js';
import type {
  AppendReceipt, Capabilities, Delivery, EventLog, FetchOptions, GroupInfo, ReadOptions, Retention,
  SettleOutcome, Settlement, StartFrom, StoredEvent, TopicInfo,
} from '../types.js';
import { MemoryStreams } from './memory-streams.js';

interface Row {
  position: number;
  key: string | undefined;
  attempt: number;
  /** 0 when nobody holds it. */
  leaseId: number;
  visibleAt: number;
  /** Set by requeue (a redriven, possibly edited event); otherwise the stored event. */
  event?: CloudEvent;
  lastError?: Delivery['lastError'];
}

interface Group {
  cursor: number;
  inflight: Map<number, Row>;
  keyCounts: Map<string, number>;
}

interface Topic {
  name: string;
  /** Stored events in position order; retention and discards remove entries. */
  events: StoredEvent[];
  ids: Map<string, AppendReceipt>;
  head: number;
  retention: Retention;
  groups: Map<string, Group>;
  listeners: Set<() => void>;
}

export interface MemoryLogOptions {
  clock?: Clock;
  /** The topic a new stream's events land on (default: its category, `order` for `order-123`). */
  streamTopic?: StreamTopic;
}

/** The reference backend: every semantic of the EventLog and of streams, in memory, nothing durable. */
export class MemoryLog implements EventLog, StreamLog {
  readonly backend = 'memory';
  readonly capabilities: Capabilities = {
    durable: false, keyOrder: true, transactionalAck: false, readByTime: true, contiguousPositions: true,
  };
  private readonly topicsByName = new Map<string, Topic>();
  private readonly clock: Clock;
  private leaseCounter = 0;
  private closed = false;
  readonly streams: MemoryStreams;

  constructor(options: MemoryLogOptions = {}) {
    this.clock = options.clock ?? systemClock;
    assertStreamTopicOption(options.streamTopic);
    this.streams = new MemoryStreams({
      clock: this.clock,
      assertOpen: () => this.assertOpen(),
      appendNow: (topic, events) => this.appendNow(topic, events),
      storedAt: (topic, position) => { const t = this.topicsByName.get(topic); return t && this.storedAt(t, position); },
      receiptOf: (topic, id) => this.topicsByName.get(topic)?.ids.get(id),
    }, options.streamTopic);
  }

  async append(topic: string, events: readonly CloudEvent[]): Promise<AppendReceipt[]> {
    this.assertOpen();
    assertTopic(topic);
    return this.appendNow(topic, events);
  }

  private appendNow(topic: string, events: readonly CloudEvent[]): AppendReceipt[] {
    events.forEach(assertEventAt);
    const t = this.topic(topic, true);
    const now = Math.max(this.clock.now(), t.events.at(-1)?.appendedAt ?? 0);
    const receipts: AppendReceipt[] = [];
    const fresh: StoredEvent[] = [];
    const seen = new Map<string, AppendReceipt>();
    for (const event of events) {
      const earlier = t.ids.get(event.id) ?? seen.get(event.id);
      if (earlier) { receipts.push({ ...earlier, duplicate: true }); continue; }
      const position = t.head + 1 + fresh.length;
      const receipt = { topic, id: event.id, position, appendedAt: now, duplicate: false };
      seen.set(event.id, receipt);
      receipts.push(receipt);
      fresh.push({ topic, position, appendedAt: now, event: structuredClone(event) });
    }
    for (const stored of fresh) {
      t.events.push(stored);
      t.ids.set(stored.event.id, seen.get(stored.event.id)!);
    }
    t.head += fresh.length;
    if (fresh.length > 0) queueMicrotask(() => t.listeners.forEach((l) => l()));
    return receipts;
  }

  async *read(topic: string, options: ReadOptions = {}): AsyncIterable<StoredEvent> {
    this.assertOpen();
    assertTopic(topic);
    if (options.from !== undefined) assertStartFrom(options.from);
    if (options.limit !== undefined) assertPositiveInt(options.limit, 'limit');
    const limit = options.limit ?? Infinity;
    const t = this.topicsByName.get(topic);
    if (!t) return;
    let next = this.start(t, options.from ?? 'earliest');
    let yielded = 0;
    while (yielded < limit) {
      const index = this.indexAtOrAfter(t, next);
      const stored = t.events[index];
      if (!stored) return;
      next = stored.position + 1;
      if (options.types && !options.types.includes(stored.event.type)) continue;
      yielded++;
      yield structuredClone(stored);
    }
  }

  async fetch(topic: string, group: string, options: FetchOptions): Promise<Delivery[]> {
    this.assertOpen();
    assertTopic(topic);
    assertGroup(group);
    assertPositiveInt(options.max, 'max');
    assertPositiveInt(options.leaseMs, 'leaseMs');
    if (options.from !== undefined) assertStartFrom(options.from);
    const t = this.topic(topic, true);
    const g = this.group(t, group, options.from ?? 'earliest');
    const now = this.clock.now();
    const leaseId = ++this.leaseCounter;
    const leaseUntil = now + options.leaseMs;
    const out: Delivery[] = [];
    const gate = new KeyGate();
    const visible: Row[] = [];
    for (const row of g.inflight.values()) {
      if (row.visibleAt <= now) visible.push(row);
      else if (row.key !== undefined) {
        if (row.leaseId !== 0) gate.hold(row.key); else gate.block(row.key, row.position);
      }
    }
    visible.sort((a, b) => a.position - b.position);
    const takenByKey = new Map<string, number>();
    const take = (row: Row, stored: StoredEvent): void => {
      row.attempt++;
      row.leaseId = leaseId;
      row.visibleAt = leaseUntil;
      if (row.key !== undefined) takenByKey.set(row.key, (takenByKey.get(row.key) ?? 0) + 1);
      const delivery: Delivery = { ...structuredClone(stored), group, attempt: row.attempt, leaseId, leaseUntil };
      if (row.lastError) delivery.lastError = row.lastError;
      out.push(delivery);
    };
    for (const row of visible) {
      if (out.length >= options.max) break;
      if (!gate.admit(row.key, row.position)) { gate.block(row.key!, row.position); continue; }
      const stored = row.event ? { topic, position: row.position, appendedAt: now, event: row.event } : this.storedAt(t, row.position);
      if (!stored) { this.removeRow(g, row); continue; } // the event is gone (topic truncated)
      take(row, stored);
    }
    // A key now leased here is no longer the expired holder's: revoke its expired leases on that key,
    // or its late ack of a later event would land before this consumer settles an earlier one.
    for (const row of visible) {
      if (row.leaseId !== 0 && row.leaseId !== leaseId && row.key !== undefined && takenByKey.has(row.key)) row.leaseId = 0;
    }
    let parked = 0;
    while (out.length < options.max && g.cursor <= t.head && parked < options.max * 8) {
      const stored = this.storedAt(t, g.cursor);
      g.cursor++;
      // A position with a row already (an event requeued there, e.g. into a group the requeue
      // recreated behind it) is that row's to deliver: read again, it went out twice.
      if (!stored || g.inflight.has(stored.position)) continue;
      const row: Row = { position: stored.position, key: keyOf(stored.event), attempt: 0, leaseId: 0, visibleAt: 0 };
      this.addRow(g, row);
      const heldElsewhere = row.key !== undefined && (g.keyCounts.get(row.key) ?? 0) - 1 > (takenByKey.get(row.key) ?? 0);
      if (heldElsewhere) { parked++; continue; }
      take(row, stored);
    }
    return out;
  }

  async settle(topic: string, group: string, settlements: readonly Settlement[]): Promise<SettleOutcome[]> {
    this.assertOpen();
    assertTopic(topic);
    assertGroup(group);
    checkSettlements(settlements);
    const g = this.topicsByName.get(topic)?.groups.get(group);
    const now = this.clock.now();
    return settlements.map((s) => {
      const row = g?.inflight.get(s.position);
      if (!g || !row || row.leaseId !== s.leaseId || s.leaseId === 0) return 'stale';
      switch (s.kind) {
        case 'ack': this.removeRow(g, row); break;
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

  async requeue(topic: string, group: string, event: CloudEvent, position: number): Promise<void> {
    this.assertOpen();
    assertTopic(topic);
    assertGroup(group);
    assertValidEnvelope(event);
    assertPositiveInt(position, 'position');
    const g = this.group(this.topic(topic, true), group, 'earliest');
    const existing = g.inflight.get(position);
    if (existing) this.removeRow(g, existing);
    this.addRow(g, { position, key: keyOf(event), attempt: 0, leaseId: 0, visibleAt: 0, event: structuredClone(event) });
    this.topic(topic, true).listeners.forEach((l) => l());
  }

  onAppend(topic: string, listener: () => void): () => void {
    this.assertOpen();
    assertTopic(topic);
    const t = this.topic(topic, true);
    t.listeners.add(listener);
    return () => t.listeners.delete(listener);
  }

  async topics(): Promise<TopicInfo[]> {
    this.assertOpen();
    return [...this.topicsByName.values()].map((t) => this.info(t)).sort((a, b) => a.topic.localeCompare(b.topic));
  }

  async topicInfo(topic: string): Promise<TopicInfo | undefined> {
    this.assertOpen();
    assertTopic(topic);
    const t = this.topicsByName.get(topic);
    return t && this.info(t);
  }

  async groups(topic?: string): Promise<GroupInfo[]> {
    this.assertOpen();
    if (topic !== undefined) assertTopic(topic);
    const out: GroupInfo[] = [];
    for (const t of this.topicsByName.values()) {
      if (topic !== undefined && t.name !== topic) continue;
      for (const [name, g] of t.groups) {
        const pending = g.inflight.size;
        out.push({ topic: t.name, group: name, cursor: g.cursor, pending, lag: pending + Math.max(0, t.head - g.cursor + 1) });
      }
    }
    return out.sort((a, b) => a.topic.localeCompare(b.topic) || a.group.localeCompare(b.group));
  }

  async resetGroup(topic: string, group: string, to: StartFrom): Promise<void> {
    this.assertOpen();
    assertTopic(topic);
    assertGroup(group);
    assertStartFrom(to);
    const t = this.topic(topic, true);
    t.groups.set(group, { cursor: this.start(t, to), inflight: new Map(), keyCounts: new Map() });
  }

  async deleteGroup(topic: string, group: string): Promise<void> {
    this.assertOpen();
    assertTopic(topic);
    assertGroup(group);
    this.topicsByName.get(topic)?.groups.delete(group);
  }

  async setRetention(topic: string, retention: Retention): Promise<void> {
    this.assertOpen();
    assertTopic(topic);
    if (retention.maxAgeMs !== undefined) assertPositiveInt(retention.maxAgeMs, 'retention.maxAgeMs');
    if (retention.maxCount !== undefined) assertPositiveInt(retention.maxCount, 'retention.maxCount');
    this.topic(topic, true).retention = { ...retention };
  }

  async applyRetention(): Promise<number> {
    this.assertOpen();
    const now = this.clock.now();
    let removed = 0;
    for (const t of this.topicsByName.values()) {
      const { maxAgeMs, maxCount } = t.retention;
      let cut = maxCount !== undefined ? t.head - maxCount : 0;
      if (maxAgeMs !== undefined) {
        for (const s of t.events) { if (s.appendedAt < now - maxAgeMs) cut = Math.max(cut, s.position); else break; }
      }
      const held = new Set<number>();
      for (const g of t.groups.values()) for (const row of g.inflight.values()) if (!row.event) held.add(row.position);
      const kept = t.events.filter((s) => s.position > cut || held.has(s.position));
      for (const s of t.events) if (s.position <= cut && !held.has(s.position)) { t.ids.delete(s.event.id); removed++; }
      t.events = kept;
    }
    return removed;
  }

  async deleteEvent(topic: string, position: number): Promise<boolean> {
    this.assertOpen();
    assertTopic(topic);
    assertPositiveInt(position, 'position');
    const t = this.topicsByName.get(topic);
    if (!t) return false;
    const index = this.indexAtOrAfter(t, position);
    const stored = t.events[index];
    if (!stored || stored.position !== position) return false;
    t.events.splice(index, 1);
    t.ids.delete(stored.event.id);
    return true;
  }

  async deleteTopic(topic: string): Promise<boolean> {
    this.assertOpen();
    assertTopic(topic);
    const t = this.topicsByName.get(topic);
    if (!t) return false;
    if (this.streams.usesTopic(topic)) throw streamsOnTopic(topic);
    this.topicsByName.delete(topic);
    return true;
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private assertOpen(): void {
    if (this.closed) throw new HeraldError('HERALD_E_CLOSED', 'the log is closed');
  }

  private topic(name: string, create: true): Topic {
    let t = this.topicsByName.get(name);
    if (!t && create) {
      t = { name, events: [], ids: new Map(), head: 0, retention: {}, groups: new Map(), listeners: new Set() };
      this.topicsByName.set(name, t);
    }
    return t!;
  }

  private group(t: Topic, name: string, from: StartFrom): Group {
    let g = t.groups.get(name);
    if (!g) {
      assertStartFrom(from);
      g = { cursor: this.start(t, from), inflight: new Map(), keyCounts: new Map() };
      t.groups.set(name, g);
    }
    return g;
  }

  private start(t: Topic, from: StartFrom): number {
    const first = t.events[0]?.position ?? t.head + 1;
    return resolveStart(from, { first, head: t.head }, (time) =>
      searchByTime(first, t.head, time, (p) => t.events[this.indexAtOrAfter(t, p)]?.appendedAt));
  }

  private info(t: Topic): TopicInfo {
    return { topic: t.name, head: t.head, first: t.events[0]?.position ?? t.head + 1, count: t.events.length, retention: { ...t.retention } };
  }

  /** Index of the first stored event at or after `position`. */
  private indexAtOrAfter(t: Topic, position: number): number {
    let lo = 0;
    let hi = t.events.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (t.events[mid]!.position < position) lo = mid + 1; else hi = mid;
    }
    return lo;
  }

  private storedAt(t: Topic, position: number): StoredEvent | undefined {
    const stored = t.events[this.indexAtOrAfter(t, position)];
    return stored?.position === position ? stored : undefined;
  }

  private addRow(g: Group, row: Row): void {
    g.inflight.set(row.position, row);
    if (row.key !== undefined) g.keyCounts.set(row.key, (g.keyCounts.get(row.key) ?? 0) + 1);
  }

  private removeRow(g: Group, row: Row): void {
    g.inflight.delete(row.position);
    if (row.key === undefined) return;
    const n = (g.keyCounts.get(row.key) ?? 1) - 1;
    if (n === 0) g.keyCounts.delete(row.key); else g.keyCounts.set(row.key, n);
  }
}
