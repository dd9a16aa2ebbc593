import { randomUUID } from 'node:crypto';
import { headers } from '@nats-io/transport-node';
import { ERR, isApiError, type JetStreamApi } from './jetstream-api.js';
import type { Layout } from './layout.js';
import type { TopicStore } from './topic-store.js';

/** This process's view of one group's lock. */
export type LockState =
  /** Held here, as before. */
  | 'held'
  /** Taken just now (the group was someone else's, or nobody's): start from the server's state. */
  | 'taken'
  /** Another process holds it. */
  | 'other'
  /** Was held here and is not any more (not rewritten in time, or taken over): drop what is held. */
  | 'lost';

interface Held { seq: number; sentAt: number }
interface Seen { seq: number; at: number }
interface LockRecord { owner: string | null }

/** JetStream's answer to a publish whose `Nats-Expected-Last-Subject-Sequence` did not match. */
const WRONG_LAST_SEQUENCE = 10071;

/**
 * Exclusive groups: one process at a time consumes a group, the holder of its lock. The lock is
 * the one message kept on `<prefix>.locks.<stream>.<group>` (a stream with one message per
 * subject), written with `Nats-Expected-Last-Subject-Sequence`: a compare-and-set done by the
 * server, so two processes cannot both take it. No clock is compared across machines:
 * - the holder rewrites the record every ttl/3 and stops handing out events once 2·ttl/3 have
 *   passed since it sent its last successful rewrite (self-fencing);
 * - another process takes the lock once it has seen the same record for ttl by its own clock,
 *   or at once when the record says released (a holder that closed).
 * So a takeover comes at least ttl/3 after the old holder stopped, while clocks run at about the
 * same rate. What the old holder still had out is the server's to redeliver (deliveries.ts).
 */
export class GroupLocks {
  readonly owner = randomUUID();
  private readonly held = new Map<string, Held>();
  private readonly seen = new Map<string, Seen>();
  private ready = false;

  constructor(private readonly api: JetStreamApi, private readonly topics: TopicStore, private readonly layout: Layout, readonly ttlMs: number) {}

  /** Operations on one group's lock run one at a time (two rewrites at once would fence each other off). */
  private readonly queues = new Map<string, Promise<unknown>>();

  /** Keeps or takes the group's lock (rewriting it when a third of its time has passed). */
  hold(stream: string, group: string): Promise<LockState> {
    return this.serially(`${stream}/${group}`, () => this.holdNow(stream, group, performance.now()));
  }

  private serially<T>(id: string, work: () => Promise<T>): Promise<T> {
    const run = (this.queues.get(id) ?? Promise.resolve()).then(work, work);
    const tail = run.catch(() => undefined);
    this.queues.set(id, tail);
    void tail.then(() => { if (this.queues.get(id) === tail) this.queues.delete(id); });
    return run;
  }

  private async holdNow(stream: string, group: string, now: number): Promise<LockState> {
    const id = `${stream}/${group}`;
    const mine = this.held.get(id);
    if (mine) return this.renew(id, stream, group, mine, now);
    const last = await this.read(stream, group);
    // Another's record is taken over only once seen unchanged for ttl; a released one, or this
    // process's own (it fenced itself off, and nobody took the lock since), at once.
    if (last && last.owner !== null && last.owner !== this.owner) {
      const seen = this.seen.get(id);
      if (!seen || seen.seq !== last.seq) {
        this.seen.set(id, { seq: last.seq, at: now });
        return 'other';
      }
      if (now - seen.at < this.ttlMs) return 'other';
    }
    const seq = await this.write(stream, group, last?.seq ?? 0, this.owner);
    if (seq === undefined) return 'other';
    this.held.set(id, { seq, sentAt: now });
    this.seen.delete(id);
    return 'taken';
  }

  /** Whether this process may hand out the group's events now (it holds the lock, recently rewritten). */
  holds(stream: string, group: string, now = performance.now()): boolean {
    const mine = this.held.get(`${stream}/${group}`);
    return mine !== undefined && now - mine.sentAt < (2 * this.ttlMs) / 3;
  }

  /** Every group whose lock this process holds. */
  heldGroups(): { stream: string; group: string }[] {
    return [...this.held.keys()].map((id) => {
      const at = id.indexOf('/');
      return { stream: id.slice(0, at), group: id.slice(at + 1) };
    });
  }

  /** Gives the lock up (marked released, so another process takes it at once). */
  release(stream: string, group: string): Promise<void> {
    const id = `${stream}/${group}`;
    return this.serially(id, async () => {
      const mine = this.held.get(id);
      this.held.delete(id);
      if (mine) await this.write(stream, group, mine.seq, null).catch(() => undefined);
    });
  }

  /** Forgets the lock without writing (the group or its topic is gone). */
  forget(stream: string, group: string): void {
    this.held.delete(`${stream}/${group}`);
    this.seen.delete(`${stream}/${group}`);
  }

  private async renew(id: string, stream: string, group: string, mine: Held, now: number): Promise<LockState> {
    if (now - mine.sentAt < this.ttlMs / 3) return 'held';
    let seq: number | undefined;
    try {
      seq = await this.write(stream, group, mine.seq, this.owner);
      if (seq === undefined) {
        // A rewrite whose answer was lost (a connection dropped) may have been stored: if the
        // record is still this process's, nobody took the lock since (a taker writes its own).
        const last = await this.read(stream, group);
        if (last?.owner === this.owner) seq = await this.write(stream, group, last.seq, this.owner);
      }
    } catch (error) {
      if (now - mine.sentAt < (2 * this.ttlMs) / 3) return 'held'; // try again at the next call
      this.held.delete(id);
      throw error;
    }
    if (seq === undefined || now - mine.sentAt >= (2 * this.ttlMs) / 3) {
      // Taken over, or fenced off already: whoever holds it now may have been handed our events.
      this.held.delete(id);
      if (seq !== undefined) await this.write(stream, group, seq, null).catch(() => undefined);
      return 'lost';
    }
    this.held.set(id, { seq, sentAt: now });
    return 'held';
  }

  private subject(stream: string, group: string): string { return `${this.layout.prefix}.locks.${stream}.${group}`; }

  private async read(stream: string, group: string): Promise<{ seq: number; owner: string | null } | undefined> {
    await this.ensure();
    let answer: { message: { seq: number; data?: string } };
    try {
      // The stream's leader answers STREAM.MSG.GET: never a replica's older copy.
      answer = await this.api.call(`STREAM.MSG.GET.${this.layout.lockStream}`, { last_by_subj: this.subject(stream, group) });
    } catch (error) {
      if (isApiError(error, ERR.noMessage)) return undefined;
      throw error;
    }
    const record = JSON.parse(Buffer.from(answer.message.data ?? '', 'base64').toString('utf8')) as LockRecord;
    return { seq: answer.message.seq, owner: typeof record.owner === 'string' ? record.owner : null };
  }

  /** Writes the record if the subject's last message is still `expected` (0: none); its new sequence, or undefined if not. */
  private async write(stream: string, group: string, expected: number, owner: string | null): Promise<number | undefined> {
    await this.ensure();
    const h = headers();
    h.append('Nats-Expected-Last-Subject-Sequence', String(expected));
    const [reply] = await this.api.many([{ subject: this.subject(stream, group), data: JSON.stringify({ owner }), headers: h }]);
    if (reply instanceof Error) throw reply;
    const ack = reply!.json<{ seq?: number; error?: { err_code: number; description: string } }>();
    if (ack.error?.err_code === WRONG_LAST_SEQUENCE) return undefined;
    if (ack.error || ack.seq === undefined) throw new Error(`group lock write failed: ${ack.error?.description ?? 'no sequence'}`);
    return ack.seq;
  }

  private async ensure(): Promise<void> {
    if (this.ready) return;
    const name = this.layout.lockStream;
    await this.topics.ensureStream(this.topics.config(name, [`${this.layout.prefix}.locks.>`], { max_msgs_per_subject: 1, allow_direct: false }));
    this.ready = true;
  }
}
