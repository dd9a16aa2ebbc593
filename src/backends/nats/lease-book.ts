import { keyOf } from '../../core/envelope.js';
import { KeyGate } from '../../log/key-gate.js';
import type { Delivery, FailureInfo, Settlement, StoredEvent } from '../../log/types.js';

const decoder = new TextDecoder();

/** A message this process pulled from one of a group's consumers and has not yet acked or handed back. */
export interface Entry {
  position: number;
  /** `m`: the topic stream; `r`: the group's redrive subject. */
  source: 'm' | 'r';
  /** Sequence in its source stream. */
  seq: number;
  /** The server's delivery count of the message we hold. */
  delivered: number;
  /** The ack subject of that delivery. */
  reply: string;
  /** Decoded once on arrival; handed out by the first lease, then `payload` is decoded again. */
  stored: StoredEvent;
  /** The message's bytes: a later lease hands out a fresh copy (the first one may have been changed by its handler). */
  payload: Uint8Array;
  key: string | undefined;
  /** The decoded `stored` went out with a lease. */
  handedOut?: boolean;
  /** Attempts counted so far (a lease counts one, a release gives it back). */
  attempts: number;
  /** 0 while nobody in this process holds it. */
  leaseId: number;
  /** When it may be handed out: its lease end, its retry time, or its arrival. */
  availableAt: number;
  lastError?: FailureInfo;
  /** An attempt record exists on the server for this delivery. */
  recorded: boolean;
}

export type Arrival = Omit<Entry, 'key' | 'leaseId' | 'availableAt' | 'handedOut'>;

/** What a settlement asks of the server. */
export type Effect = { kind: 'ack'; entry: Entry } | { kind: 'record'; entry: Entry };

/**
 * The leases of one group in this process: the memory log's fetch and settle semantics (fencing
 * by lease id, nack delays, release, extend, per-key order through the shared KeyGate) over the
 * messages this process holds on the server. No I/O here: the caller acts on the effects.
 */
export class LeaseBook {
  private readonly byPosition = new Map<number, Entry[]>();
  private readonly keyCounts = new Map<string, number>();

  /**
   * Exclusive groups, after this process took the group over: the consumer's delivered sequence
   * then. Messages of the topic stream after it wait (parked) until what the previous holder had
   * out has been redelivered into this book (deliveries.ts), where the key gate orders them first:
   * a key never goes on past an event the previous holder still held. 0: no barrier.
   */
  barrier = 0;

  constructor(readonly topic: string, readonly group: string) {}

  /** How many messages of the topic stream (not the redrive one) this book holds. */
  heldFromStream(): number {
    const seqs = new Set<number>();
    for (const e of this.entries()) if (e.source === 'm') seqs.add(e.seq);
    return seqs.size;
  }

  /** The barrier is passed: what waited behind it becomes available (in position order, by key). */
  lift(now: number): void {
    this.barrier = 0;
    for (const e of this.entries()) if (e.availableAt === Number.POSITIVE_INFINITY) e.availableAt = now;
  }

  get size(): number {
    let n = 0;
    for (const list of this.byPosition.values()) n += list.length;
    return n;
  }

  entries(): Entry[] { return [...this.byPosition.values()].flat(); }

  /** The local part of a fetch: held events whose time came, in position order, gated by key. */
  takeAvailable(now: number, max: number, leaseId: number, leaseUntil: number): Fetching {
    const fetching = new Fetching(this.group, leaseId, leaseUntil);
    const visible: Entry[] = [];
    for (const e of this.entries()) {
      if (e.availableAt <= now) visible.push(e);
      else if (e.key !== undefined) {
        if (e.leaseId !== 0) fetching.gate.hold(e.key); else fetching.gate.block(e.key, e.position);
      }
    }
    visible.sort((a, b) => a.position - b.position);
    for (const e of visible) {
      if (fetching.out.length >= max) break;
      if (!fetching.gate.admit(e.key, e.position)) { fetching.gate.block(e.key!, e.position); continue; }
      fetching.take(e);
    }
    // A key now leased here is no longer an expired holder's: its late settles must be stale.
    for (const e of visible) {
      if (e.leaseId !== 0 && e.leaseId !== leaseId && e.key !== undefined && fetching.takenByKey.has(e.key)) e.leaseId = 0;
    }
    return fetching;
  }

  /** A message just pulled: taken into this fetch unless an earlier event of its key is held here. */
  arrive(arrival: Arrival, now: number, fetching: Fetching, max: number): void {
    const entry = toEntry(arrival, now);
    const list = this.byPosition.get(entry.position) ?? [];
    list.push(entry);
    this.byPosition.set(entry.position, list);
    if (entry.key !== undefined) this.keyCounts.set(entry.key, (this.keyCounts.get(entry.key) ?? 0) + 1);
    if (this.barrier > 0 && entry.source === 'm' && entry.seq > this.barrier) {
      entry.availableAt = Number.POSITIVE_INFINITY;
      fetching.parked++;
      return;
    }
    const others = entry.key === undefined ? 0 : this.keyCounts.get(entry.key)! - 1;
    const heldElsewhere = entry.key !== undefined && others > (fetching.takenByKey.get(entry.key) ?? 0);
    if (heldElsewhere || fetching.out.length >= max) { fetching.parked++; return; }
    fetching.take(entry);
  }

  settle(s: Settlement, now: number): { outcome: 'ok' | 'stale'; effect?: Effect } {
    const entry = this.byPosition.get(s.position)?.find((e) => e.leaseId === s.leaseId);
    if (!entry || s.leaseId === 0) return { outcome: 'stale' };
    switch (s.kind) {
      case 'ack':
        this.remove(entry);
        return { outcome: 'ok', effect: { kind: 'ack', entry } };
      case 'nack':
        entry.leaseId = 0;
        entry.availableAt = now + s.delayMs;
        if (s.error) entry.lastError = s.error;
        return { outcome: 'ok', effect: { kind: 'record', entry } };
      case 'release':
        entry.leaseId = 0;
        entry.availableAt = now;
        entry.attempts--;
        return { outcome: 'ok' };
      case 'extend':
        entry.availableAt = now + s.leaseMs;
        return { outcome: 'ok' };
    }
  }

  /**
   * Entries nobody here took for `idleMs` after they became available (and whose key is not busy
   * here): removed, for the caller to hand back to the server so other processes get them.
   */
  idle(now: number, idleMs: number): Entry[] {
    const busy = new Set<string>();
    for (const e of this.entries()) if (e.key !== undefined && e.availableAt > now) busy.add(e.key);
    const out = this.entries().filter((e) => now - e.availableAt > idleMs && (e.key === undefined || !busy.has(e.key)));
    out.forEach((e) => this.remove(e));
    return out;
  }

  /** Removes and returns every entry (close, reset). */
  clear(): Entry[] {
    const all = this.entries();
    this.byPosition.clear();
    this.keyCounts.clear();
    return all;
  }

  private remove(entry: Entry): void {
    const list = this.byPosition.get(entry.position);
    if (!list) return;
    const rest = list.filter((e) => e !== entry);
    if (rest.length === 0) this.byPosition.delete(entry.position); else this.byPosition.set(entry.position, rest);
    if (entry.key === undefined) return;
    const n = (this.keyCounts.get(entry.key) ?? 1) - 1;
    if (n === 0) this.keyCounts.delete(entry.key); else this.keyCounts.set(entry.key, n);
  }
}

/** An arrival as the book holds it, every field set in one order (one object shape for all). */
function toEntry(a: Arrival, now: number): Entry {
  const entry: Entry = {
    position: a.position, source: a.source, seq: a.seq, delivered: a.delivered, reply: a.reply, stored: a.stored, payload: a.payload,
    key: keyOf(a.stored.event), handedOut: false, attempts: a.attempts, leaseId: 0, availableAt: now, recorded: a.recorded,
  };
  if (a.lastError) entry.lastError = a.lastError;
  return entry;
}

/** One fetch in progress: what it took, and the keys the gate closed. */
export class Fetching {
  readonly gate = new KeyGate();
  readonly takenByKey = new Map<string, number>();
  readonly out: Delivery[] = [];
  parked = 0;

  constructor(private readonly group: string, readonly leaseId: number, readonly leaseUntil: number) {}

  take(e: Entry): void {
    e.attempts++;
    e.leaseId = this.leaseId;
    e.availableAt = this.leaseUntil;
    if (e.key !== undefined) this.takenByKey.set(e.key, (this.takenByKey.get(e.key) ?? 0) + 1);
    // No structuredClone per delivery (5% of a consume's CPU): the first lease takes the object
    // decoded on arrival, a later one a new decode of the bytes.
    const { stored } = e;
    const event = e.handedOut ? JSON.parse(decoder.decode(e.payload)) as StoredEvent['event'] : stored.event;
    e.handedOut = true;
    // Written out, not spread: one object shape for every delivery (spreads were 20% of a consume's CPU).
    const delivery: Delivery = {
      topic: stored.topic, position: stored.position, appendedAt: stored.appendedAt, event,
      group: this.group, attempt: e.attempts, leaseId: this.leaseId, leaseUntil: this.leaseUntil,
    };
    if (e.lastError) delivery.lastError = e.lastError;
    this.out.push(delivery);
  }
}
