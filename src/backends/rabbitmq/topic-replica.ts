import type { ConsumeMessage } from 'amqplib';
import { keyOf, type CloudEvent } from '../../core/envelope.js';
import type { HeraldError } from '../../core/errors.js';
import type { Clock } from '../../core/clock.js';
import type { AppendReceipt } from '../../log/types.js';
import { decodeCommand, encodeCommand, type Command } from './commands.js';
import { HeadAnnouncer } from './head-announcer.js';
import { encodeSnapshot, latestSnapshot } from './snapshots.js';
import { closedError, topicDeleted } from './errors.js';
import { Journal, type Tags } from './journal.js';
import type { Session, StreamConsumer } from './session.js';
import { TopicIndex, type IncomingEvent } from './topic-index.js';
import { TopicState } from './topic-state.js';

export interface ReplicaContext {
  session: Session;
  tags: Tags;
  clock: Clock;
  prefix: string;
  streamArguments: Record<string, unknown>;
  cacheEvents: number;
  timeoutMs: number;
  /** A snapshot of the state every this many control offsets (snapshots.ts). */
  snapshotEvery: number;
}

/** A topic's streams; a topic made again after a delete gets new ones (its generation, catalog.ts). */
const generationSuffix = (generation: number): string => (generation === 0 ? '' : `@${generation}`);
export const dataStream = (prefix: string, topic: string, generation = 0): string => `${prefix}.data.${topic}${generationSuffix(generation)}`;
export const controlStream = (prefix: string, topic: string, generation = 0): string => `${prefix}.ctl.${topic}${generationSuffix(generation)}`;
export const snapshotStream = (prefix: string, topic: string, generation = 0): string => `${prefix}.snap.${topic}${generationSuffix(generation)}`;
/** Every stream of one generation of a topic (what deleting it removes). */
export const topicStreams = (prefix: string, topic: string, generation = 0): string[] =>
  [dataStream(prefix, topic, generation), controlStream(prefix, topic, generation), snapshotStream(prefix, topic, generation)];

/** What applying any command after `closed` returns: its proposer fails with topicDeleted. */
const AFTER_CLOSE = Symbol('closed');

/**
 * This process's copy of one topic: the index of its data stream and the state replayed from
 * its control stream, kept current by two stream consumers. Appends publish to the data stream;
 * everything else is a command proposed on the control stream.
 */
export class TopicReplica {
  readonly index: TopicIndex;
  readonly state: TopicState;
  readonly data: string;
  private readonly snapshots: string;
  /** The control offset of the snapshot this replica started from (undefined: it replayed from the first offset). */
  startedAfter: number | undefined;
  private dataConsumer: StreamConsumer | undefined;
  private control: Journal | undefined;
  failure: HeraldError | undefined;
  private unlisten: (() => void) | undefined;
  private readonly announcer: HeadAnnouncer;

  private closed = false;

  private constructor(private readonly ctx: ReplicaContext, readonly topic: string, readonly generation: number) {
    this.index = new TopicIndex(ctx.cacheEvents);
    this.state = new TopicState(this.index);
    this.data = dataStream(ctx.prefix, topic, generation);
    this.snapshots = snapshotStream(ctx.prefix, topic, generation);
    this.announcer = new HeadAnnouncer((head) => this.propose({ k: 'announce', head }), () => this.state.announcedHead);
  }

  /** Declares the topic's streams, replays them, and resolves once caught up with the control stream. */
  static async open(ctx: ReplicaContext, topic: string, generation: number): Promise<TopicReplica> {
    const replica = new TopicReplica(ctx, topic, generation);
    const control = controlStream(ctx.prefix, topic, generation);
    await ctx.session.declareStream(replica.data, ctx.streamArguments);
    await ctx.session.declareStream(control, { 'x-queue-type': 'stream' });
    const onError = (error: HeraldError): void => replica.abandon(error);
    // A lost connection closes the consumers' channels without an error on them: hear it here.
    replica.unlisten = ctx.session.onFailure(onError);
    try {
      replica.dataConsumer = await ctx.session.consume(replica.data, 'first', 1000, (m, offset) => replica.index.add(offset + 1, incoming(m)), onError);
      const snapshot = await latestSnapshot(ctx.session, replica.snapshots, ctx.tags, ctx.timeoutMs);
      if (snapshot) replica.state.restore(snapshot.state);
      replica.startedAfter = snapshot?.upTo;
      replica.control = await Journal.open(ctx.session, control, (body, offset, mine) => replica.apply(body, offset, mine), ctx.tags, ctx.timeoutMs, onError,
        snapshot ? snapshot.upTo + 1 : 'first');
      await replica.propose({ k: 'sync' });
    } catch (error) {
      await replica.stop();
      throw error;
    }
    return replica;
  }

  async propose(command: Command): Promise<unknown> {
    const result = await this.control!.propose(encodeCommand(command));
    if (result === AFTER_CLOSE) throw topicDeleted(this.topic);
    return result;
  }

  /**
   * Publishes the events not already known here (one message each, confirmed), learns their
   * positions from the data stream, then announces the new head on the control stream (appends
   * finishing together share one announce: head-announcer.ts). Another
   * process may have appended the same id at the same moment: the first copy in the stream wins
   * and the later one is reported (and skipped everywhere) as a duplicate.
   */
  async append(events: readonly CloudEvent[]): Promise<AppendReceipt[]> {
    const now = this.ctx.clock.now();
    const inBatch = new Map<string, number>();
    const publish: { index: number; tag: string; seen: Promise<number> }[] = [];
    events.forEach((event, i) => {
      if (this.index.positionOf(event.id) !== undefined || inBatch.has(event.id)) return;
      inBatch.set(event.id, i);
      const tag = this.ctx.tags.next();
      publish.push({ index: i, tag, seen: this.index.expect(tag) });
    });
    try {
      await Promise.all(publish.map(({ index, tag }) => {
        const event = events[index]!;
        const key = keyOf(event);
        return this.ctx.session.publish(this.data, Buffer.from(JSON.stringify(event)), {
          'herald-tag': tag, 'herald-id': event.id, 'herald-type': event.type, 'herald-at': now, ...(key === undefined ? {} : { 'herald-key': key }),
        });
      }));
    } catch (error) {
      publish.forEach(({ tag }) => this.index.forget(tag));
      throw error;
    }
    const positions = await Promise.all(publish.map((p) => p.seen));
    // A loop, not Math.max(...positions): a spread of a very large batch overflows the stack.
    let head = 0;
    for (const p of positions) if (p > head) head = p;
    if (positions.length > 0) await this.announcer.announce(head);
    // Announced by someone else's command before a delete this replica has applied since: the
    // events went with the topic, so the call fails (retryably) rather than acknowledge them.
    if (this.closed) throw topicDeleted(this.topic);
    const written = new Map(publish.map((p, j) => [p.index, positions[j]]));
    return events.map((event, i) => {
      const position = this.index.positionOf(event.id)!;
      const duplicate = written.get(i) !== position;
      return { topic: this.topic, id: event.id, position, appendedAt: this.index.entry(position)!.at, duplicate };
    });
  }

  /** The replica's tails are gone (`error` says why): everything waiting on them fails with it. */
  abandon(error: HeraldError): void {
    this.failure ??= error;
    this.control?.fail(error);
    this.index.fail(error);
  }

  async stop(): Promise<void> {
    this.unlisten?.();
    this.abandon(closedError());
    await this.control?.stop();
    await this.dataConsumer?.stop();
  }

  private async apply(body: Buffer, offset: number, mine: boolean): Promise<unknown> {
    const command = decodeCommand(body);
    if (!command) return undefined;
    // The control stream orders the delete against everything else: what came before it happened
    // before the delete (and goes with the topic), what comes after fails and is retried on the
    // topic made again. An append is acknowledged only once its announce is applied, so no
    // acknowledged event can be in a stream deleted after it.
    if (this.closed) return AFTER_CLOSE;
    if (command.k === 'closed') {
      this.closed = true;
      // After its proposer got the answer (a microtask would fail it first): the rest fail now.
      setImmediate(() => this.abandon(topicDeleted(this.topic)));
      return true;
    }
    if (command.k !== 'announce') await this.index.reached(Math.max(this.state.announcedHead, command.k === 'fetch' ? command.head : 0));
    const result = this.state.apply(command, offset);
    if (mine && (offset + 1) % this.ctx.snapshotEvery === 0) this.saveSnapshot(offset);
    return result;
  }

  /**
   * Writes the state as of `offset` (just applied) to the snapshot stream, in the background: a
   * write that fails costs only a longer replay at the next open, from the snapshot before it.
   */
  private saveSnapshot(offset: number): void {
    const body = encodeSnapshot({ upTo: offset, state: this.state.snapshot() });
    void this.ctx.session.publish(this.snapshots, body, { 'herald-tag': this.ctx.tags.next() }).catch(() => undefined);
  }
}

function incoming(message: ConsumeMessage): IncomingEvent {
  const h = message.properties.headers ?? {};
  const text = (v: unknown): string | undefined => {
    if (typeof v === 'string') return v;
    if (Buffer.isBuffer(v)) return v.toString('utf8');
    return typeof v === 'number' ? String(v) : undefined;
  };
  return {
    id: text(h['herald-id']) ?? '',
    key: text(h['herald-key']),
    type: text(h['herald-type']) ?? '',
    at: Number(h['herald-at']) || 0,
    tag: text(h['herald-tag']),
    body: message.content,
  };
}
