import type { Msg, NatsConnection } from '@nats-io/transport-node';
import { HeraldError } from '../../core/errors.js';
import type { Delivery, FetchOptions, SettleOutcome, Settlement } from '../../log/types.js';
import type { AttemptRecords, AttemptsBefore, RecordTarget } from './attempt-records.js';
import type { GroupLocks } from './group-lock.js';
import type { GroupStore, StartSeq } from './group-store.js';
import type { JetStreamApi } from './jetstream-api.js';
import { HEADER, decodeStored, deliveryInfo, type DeliveryInfo, type Layout } from './layout.js';
import { headerValue } from './msg-headers.js';
import { Fetching, LeaseBook, type Arrival, type Entry } from './lease-book.js';
import type { ResolvedNatsOptions } from './options.js';
import { OwnAppends } from './own-appends.js';
import { Puller, type LateAnswers, type Pulled } from './puller.js';

const FIRST: AttemptsBefore = { attempts: 0, recorded: false };

/** OwnAppends' name for a group's requeued events (its redrive consumer's sequences). */
const redriveKey = (stream: string, group: string): string => `redrive:${stream}/${group}`;

/**
 * How long a fetch waits for the answer to a `no_wait` pull. The server answers one at once,
 * except when the group is at its max_ack_pending (several processes holding events of busy
 * keys): then not at all. Waiting the whole request timeout there stalled each fetch 5 s; a pull
 * answered later is not lost (puller.ts keeps listening and hands it to the next fetch).
 */
const PULL_WAIT_MS = 1_000;

/** How long an empty fetch waits on the server for events this process has just appended (own-appends.ts). */
const CATCH_UP_MS = 50;

/**
 * Consumer groups as seen by this process: pulls from the group's consumers, leases in a
 * LeaseBook per group, acks on the server (confirmed), heartbeats (`+WPI`) for what it holds so
 * the server redelivers only after a crash, and hands back (`-NAK`) what nobody here takes.
 */
export class Deliveries {
  private readonly books = new Map<string, LeaseBook>();
  /** Per group: its pullers on the topic stream (`m`) and on its redrive consumer (`r`). */
  private readonly pullers = new Map<string, { m: Puller; r: Puller }>();
  private readonly queues = new Map<string, Promise<unknown>>();
  private readonly own = new OwnAppends();
  private leaseCounter = 0;
  private readonly timer: NodeJS.Timeout;
  private readonly lockTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly nc: NatsConnection, private readonly api: JetStreamApi, private readonly groups: GroupStore,
    private readonly records: AttemptRecords, private readonly layout: Layout, private readonly options: ResolvedNatsOptions,
    /** Set for exclusive groups: a group's events are handed out only by the holder of its lock. */
    private readonly locks?: GroupLocks,
  ) {
    this.timer = setInterval(() => { void this.heartbeat(); }, Math.max(250, Math.floor(options.ackWaitMs / 3)));
    this.timer.unref();
    if (locks) {
      // Twice per rewrite period: a lock due at ttl/3 is rewritten before ttl/2, well inside 2·ttl/3.
      this.lockTimer = setInterval(() => { void this.renewLocks(); }, Math.max(100, Math.floor(locks.ttlMs / 6)));
      this.lockTimer.unref();
    }
  }

  async fetch(topic: string, stream: string, group: string, options: FetchOptions, start: () => Promise<StartSeq>): Promise<Delivery[]> {
    await this.groups.ensure(stream, group, start);
    return this.serially(`${stream}/${group}`, async () => {
      if (this.locks && !(await this.exclusive(stream, topic, group))) return [];
      const book = this.book(stream, topic, group);
      const pullers = this.pullersOf(stream, topic, group);
      const now = Date.now();
      const fetching = book.takeAvailable(now, options.max, ++this.leaseCounter, now + options.leaseMs);
      let retried = false;
      // What this process holds of a group stays bounded: arrivals whose key is busy here wait in
      // the book, and a book grown to the consumer's max_ack_pending gets no answer to a pull (the
      // server leaves it unanswered until our timeout; R10 with a backlog drained one batch per
      // 10 s that way). Behind a takeover's barrier only max_ack_pending bounds it: the previous
      // holder's messages must still come in.
      const limit = book.barrier > 0 ? this.options.maxAckPending : Math.min(options.max * 8, this.options.maxAckPending);
      let held = book.size;
      while (fetching.out.length < options.max && fetching.parked < options.max * 8 && held < limit) {
        const want = Math.min(options.max - fetching.out.length, limit - held);
        const wait = Math.min(PULL_WAIT_MS, this.api.timeoutMs);
        let [redrive, main] = await Promise.all([pullers.r.pull(want, wait), pullers.m.pull(want, wait)]);
        if ((!redrive.answered || !main.answered) && !retried) {
          // A consumer vanished (deleted by another process): recreate the group, once.
          retried = true;
          this.groups.forget(stream, group);
          await this.groups.ensure(stream, group, start);
        }
        if (redrive.messages.length + main.messages.length === 0) [redrive, main] = await this.catchUp(pullers, stream, group, want, wait, [redrive, main]);
        const arrivals = [...redrive.messages.map((m) => ['r', m] as const), ...main.messages.map((m) => ['m', m] as const)];
        if (arrivals.length === 0) break;
        held += arrivals.length;
        await this.arrive(book, stream, arrivals, fetching, options.max, now);
      }
      if (this.locks && !this.locks.holds(stream, group)) {
        // The lock lapsed while pulling: nothing goes out; the server redelivers what is held.
        this.forget(stream, group);
        return [];
      }
      return fetching.out.sort((a, b) => a.position - b.position);
    });
  }

  /**
   * Exclusive groups: keeps or takes the group's lock; false while another process holds it. A
   * process that takes a group over while messages are pending on the server (held by the
   * previous holder) starts a new book behind a barrier at the consumer's delivered sequence
   * (lease-book.ts), lifted once every message pending on the server is one this book holds.
   */
  private async exclusive(stream: string, topic: string, group: string): Promise<boolean> {
    const locks = this.locks!;
    const state = await locks.hold(stream, group);
    if (state === 'other') return false;
    if (state === 'lost') { this.forget(stream, group); return false; }
    if (state === 'taken') this.forget(stream, group);
    const book = this.book(stream, topic, group);
    if (state === 'taken' || book.barrier > 0) {
      const info = await this.groups.info(stream, group);
      if (state === 'taken' && info && info.num_ack_pending > 0) book.barrier = info.delivered.stream_seq;
      // Every message pending on the server is one this book holds: the previous holder's are back.
      if (book.barrier > 0 && (!info || info.num_ack_pending <= book.heldFromStream())) book.lift(Date.now());
    }
    return locks.holds(stream, group);
  }

  async settle(stream: string, group: string, settlements: readonly Settlement[]): Promise<SettleOutcome[]> {
    const book = this.books.get(`${stream}/${group}`);
    if (!book) return settlements.map(() => 'stale');
    const now = Date.now();
    const acks: Entry[] = [];
    const work: Promise<void>[] = [];
    const outcomes = settlements.map((s) => {
      const { outcome, effect } = book.settle(s, now);
      if (effect?.kind === 'ack') {
        acks.push(effect.entry);
        if (effect.entry.recorded) work.push(this.records.remove(this.target(stream, group, effect.entry)));
      } else if (effect?.kind === 'record') {
        work.push(this.record(stream, group, effect.entry));
      }
      return outcome;
    });
    // Awaited together: a record write that fails while the acks are still out would otherwise
    // reject with no handler yet (an unhandled rejection, fatal under `node --test`; R11 in CI).
    const [confirmed, recorded] = await Promise.allSettled([this.ack(acks), Promise.all(work)]);
    if (recorded.status === 'rejected') throw recorded.reason;
    if (confirmed.status === 'rejected') throw confirmed.reason;
    const lost = confirmed.value;
    if (lost.length > 0) {
      throw new HeraldError('HERALD_E_UNAVAILABLE', `the server did not confirm the acks of positions ${lost.join(', ')}; they may be delivered again`, { details: { positions: lost } });
    }
    return outcomes;
  }

  /**
   * Acks, each consumer's confirmed by its last one only: the server takes one connection's acks
   * to a consumer in order and answers a `+ACK` with a reply after it is done, so one answer
   * vouches for every ack before it. (An answer for every ack doubled the messages of a consume.)
   * Returns the positions whose acks are not confirmed: all of a consumer's if its answer failed.
   */
  private async ack(acks: readonly Entry[]): Promise<number[]> {
    const bySource = (['m', 'r'] as const).map((source) => acks.filter((e) => e.source === source)).filter((list) => list.length > 0);
    try {
      for (const list of bySource) for (const e of list.slice(0, -1)) this.nc.publish(e.reply, '+ACK');
    } catch {
      // the connection closed: the confirming ack below fails as well, and reports them all
    }
    const answers = await this.api.many(bySource.map((list) => ({ subject: list.at(-1)!.reply, data: '+ACK' })));
    return bySource.flatMap((list, i) => (answers[i] instanceof Error ? list.map((e) => e.position) : []));
  }

  /** This process appended the stream up to `seq` (acknowledged): a fetch right after it sees those events. */
  appended(stream: string, seq: number): void {
    this.own.noteAppended(stream, seq);
  }

  /** This process requeued an event to the group at redrive sequence `seq`: a fetch right after it sees it. */
  requeued(stream: string, group: string, seq: number): void {
    this.own.noteAppended(redriveKey(stream, group), seq);
  }

  /**
   * Both pulls came back empty: if this process appended (or requeued) what the group has not shown
   * it yet, pulls again on the consumers concerned, waiting up to CATCH_UP_MS on the server
   * (own-appends.ts). Otherwise the empty answers stand.
   */
  private async catchUp(pullers: { m: Puller; r: Puller }, stream: string, group: string, want: number, wait: number, empty: [Pulled, Pulled]): Promise<[Pulled, Pulled]> {
    const missing = { r: this.own.unseen(redriveKey(stream, group), group), m: this.own.unseen(stream, group) };
    if (missing.r === 0 && missing.m === 0) return empty;
    return Promise.all([
      missing.r > 0 ? pullers.r.pull(Math.min(want, missing.r), wait, CATCH_UP_MS) : empty[0],
      missing.m > 0 ? pullers.m.pull(Math.min(want, missing.m), wait, CATCH_UP_MS) : empty[1],
    ]);
  }

  /** Drops this process's leases of a group (reset, delete): their settles become stale. */
  forget(stream: string, group: string): void {
    this.books.delete(`${stream}/${group}`);
    this.own.forget(stream, group);
    this.own.forgetStream(redriveKey(stream, group));
    this.closePullers(`${stream}/${group}`);
  }
  /** Drops this process's leases and pullers of every group of a stream (its topic was deleted): their settles become stale. */
  forgetStream(stream: string): void {
    this.own.forgetStream(stream);
    for (const id of new Set([...this.books.keys(), ...this.pullers.keys()])) {
      if (id.startsWith(`${stream}/`)) this.forget(stream, id.slice(stream.length + 1));
    }
  }


  /** Hands every held message back to the server at once, for other processes; then releases the groups' locks. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    clearInterval(this.lockTimer);
    for (const id of [...this.pullers.keys()]) this.closePullers(id);
    const all = [...this.books.entries()].flatMap(([id, book]) => book.clear().map((e) => [id, e] as const));
    this.books.clear();
    await Promise.all(all.map(([id, e]) => this.handBack(id, e).catch(() => undefined)));
    await Promise.all((this.locks?.heldGroups() ?? []).map(({ stream, group }) => this.locks!.release(stream, group)));
  }

  private async arrive(book: LeaseBook, stream: string, arrivals: readonly (readonly ['m' | 'r', Msg])[], fetching: Fetching, max: number, now: number): Promise<void> {
    const prepared: Arrival[] = [];
    const redelivered: Promise<Arrival>[] = [];
    for (const [source, msg] of arrivals) {
      const info = deliveryInfo(msg.reply ?? '');
      if (!info) continue;
      this.own.noteDelivered(source === 'm' ? stream : redriveKey(stream, book.group), book.group, info.streamSeq);
      // A first delivery has no attempt record (one is written only once a delivery failed or was
      // handed back): no lookup, and no promise per message on the hot path.
      if (info.delivered === 1) prepared.push(this.arrival(book, stream, source, msg, info, FIRST));
      else redelivered.push(this.records.attemptsBefore(this.target(stream, book.group, { source, seq: info.streamSeq }), info.delivered)
        .then((before) => this.arrival(book, stream, source, msg, info, before)));
    }
    if (redelivered.length > 0) prepared.push(...await Promise.all(redelivered));
    // Redeliveries come in the order they were handed back: take them in position order.
    prepared.sort((a, b) => (a.source === b.source ? a.position - b.position : a.source === 'r' ? -1 : 1));
    for (const arrival of prepared) book.arrive(arrival, now, fetching, max);
  }

  private arrival(book: LeaseBook, stream: string, source: 'm' | 'r', msg: Msg, info: DeliveryInfo, before: AttemptsBefore): Arrival {
    const position = source === 'm' ? info.streamSeq : Number(headerValue(msg, HEADER.position));
    const a: Arrival = {
      position, source, seq: info.streamSeq, delivered: info.delivered, reply: msg.reply!,
      stored: decodeStored(book.topic, position, msg, info.timestampNanos), payload: msg.data,
      attempts: before.attempts, recorded: before.recorded,
    };
    if (before.lastError) a.lastError = before.lastError;
    return a;
  }

  private async heartbeat(): Promise<void> {
    if (this.nc.isClosed()) return;
    const now = Date.now();
    for (const [id, book] of this.books) {
      // Idle events go back for other processes; an exclusive group has none consuming.
      if (!this.locks) for (const e of book.idle(now, this.options.ackWaitMs)) await this.handBack(id, e).catch(() => undefined);
      for (const e of book.entries()) this.nc.publish(e.reply, '+WPI');
    }
  }

  /** Exclusive groups: keeps this process's locks rewritten while its subscriptions are busy (not fetching). */
  private async renewLocks(): Promise<void> {
    for (const { stream, group } of this.locks?.heldGroups() ?? []) {
      const state = await this.locks!.hold(stream, group).catch(() => 'held' as const);
      if (state === 'lost') this.forget(stream, group);
    }
  }

  /** `-NAK`: the server redelivers at once; an attempt record first when the delivery count would mislead. */
  private async handBack(id: string, e: Entry): Promise<void> {
    const [stream, group] = id.split('/') as [string, string];
    if (e.recorded || e.attempts !== e.delivered || e.lastError) await this.record(stream, group, e);
    if (!this.nc.isClosed()) this.nc.publish(e.reply, '-NAK');
  }

  private async record(stream: string, group: string, e: Entry): Promise<void> {
    await this.records.write(this.target(stream, group, e), {
      attempts: e.attempts, delivered: e.delivered, ...(e.lastError ? { lastError: e.lastError } : {}),
    });
    e.recorded = true;
  }

  private target(stream: string, group: string, e: { source: 'm' | 'r'; seq: number }): RecordTarget {
    return { stream, group, source: e.source, seq: e.seq };
  }

  private pullersOf(stream: string, topic: string, group: string): { m: Puller; r: Puller } {
    const id = `${stream}/${group}`;
    let pullers = this.pullers.get(id);
    if (!pullers) {
      const late = (source: 'm' | 'r'): LateAnswers => ({ onLate: (msg) => this.late(stream, topic, group, source, msg), lingerMs: this.options.ackWaitMs });
      pullers = {
        m: new Puller(this.nc, stream, group, late('m')),
        r: new Puller(this.nc, this.layout.redriveStream, this.layout.redriveConsumer(stream, group), late('r')),
      };
      this.pullers.set(id, pullers);
    }
    return pullers;
  }

  private closePullers(id: string): void {
    const pullers = this.pullers.get(id);
    this.pullers.delete(id);
    pullers?.m.close();
    pullers?.r.close();
  }

  /**
   * A message answering a pull that had already given up (its request was held by a stalled
   * network): kept in the group's book, available to the next fetch, as if that pull had waited.
   * If that fails, handed back at once (`-NAK`) rather than left leased until `ack_wait`.
   */
  private late(stream: string, topic: string, group: string, source: 'm' | 'r', msg: Msg): void {
    const handBack = (): void => { if (!this.nc.isClosed()) this.nc.publish(msg.reply!, '-NAK'); };
    void this.serially(`${stream}/${group}`, async () => {
      if (!this.pullers.has(`${stream}/${group}`)) { handBack(); return; }
      const now = Date.now();
      await this.arrive(this.book(stream, topic, group), stream, [[source, msg]], new Fetching(group, 0, now), 0, now);
    }).catch(handBack);
  }

  private book(stream: string, topic: string, group: string): LeaseBook {
    const id = `${stream}/${group}`;
    let book = this.books.get(id);
    if (!book) { book = new LeaseBook(topic, group); this.books.set(id, book); }
    return book;
  }

  private serially<T>(id: string, work: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(id) ?? Promise.resolve();
    const next = previous.then(work, work);
    const settled = next.catch(() => undefined);
    this.queues.set(id, settled);
    void settled.then(() => { if (this.queues.get(id) === settled) this.queues.delete(id); });
    return next;
  }
}
