import type { NatsConnection } from '@nats-io/transport-node';
import { assertValidEnvelope, type CloudEvent } from '../../core/envelope.js';
import { HeraldError } from '../../core/errors.js';
import { assertEventAt } from '../../log/event-at.js';
import { assertGroup, assertPositiveInt, assertStartFrom, assertTopic, timeOf } from '../../log/names.js';
import { resolveStart } from '../../log/start.js';
import type {
  AppendReceipt, Capabilities, Delivery, EventLog, FetchOptions, GroupInfo, ReadOptions, Retention,
  SettleOutcome, Settlement, StartFrom, StoredEvent, TopicInfo,
} from '../../log/types.js';
import { checkSettlements } from '../../log/validate.js';
import { Appender } from './appender.js';
import { AttemptRecords } from './attempt-records.js';
import { Deliveries } from './deliveries.js';
import { GroupLocks } from './group-lock.js';
import { GroupStore, type ConsumerInfo } from './group-store.js';
import { ERR, JetStreamApi, connectNats, isApiError } from './jetstream-api.js';
import { Layout } from './layout.js';
import { AppendNotifier } from './notifier.js';
import { resolveNatsOptions, type NatsLogOptions, type ResolvedNatsOptions } from './options.js';
import { leaderHasFrom, readStream } from './reader.js';
import { applyStreamRetention } from './retention.js';
import { describeRetention, TopicStore, type StreamInfo } from './topic-store.js';

/** Connects to NATS and returns a log on JetStream; streams and consumers are created on first use. */
export async function openNatsLog(options: NatsLogOptions = {}): Promise<NatsLog> {
  const resolved = resolveNatsOptions(options);
  return new NatsLog(await connectNats(resolved), resolved);
}

/**
 * herald's EventLog on NATS JetStream: a topic is a stream, a group a durable pull consumer.
 * Leases, fencing and key order are kept by the process that holds the messages (see
 * docs/backends/nats.md for what is native and what is not).
 */
export class NatsLog implements EventLog {
  readonly backend = 'nats';
  readonly capabilities: Capabilities = {
    durable: true, keyOrder: false, transactionalAck: false, readByTime: true, contiguousPositions: true,
  };
  private readonly api: JetStreamApi;
  private readonly layout: Layout;
  private readonly topicStore: TopicStore;
  private readonly groupStore: GroupStore;
  private readonly appender: Appender;
  private readonly deliveries: Deliveries;
  private readonly notifier: AppendNotifier;
  private readonly records: AttemptRecords;
  private closed = false;

  constructor(private readonly nc: NatsConnection, options: ResolvedNatsOptions) {
    this.api = new JetStreamApi(nc, options.requestTimeoutMs);
    this.layout = new Layout(options.prefix);
    this.topicStore = new TopicStore(this.api, this.layout, options);
    this.groupStore = new GroupStore(this.api, this.topicStore, this.layout, options);
    this.appender = new Appender(this.api, this.topicStore, this.layout);
    this.records = new AttemptRecords(this.api, this.topicStore, this.layout);
    const locks = options.exclusiveGroups ? new GroupLocks(this.api, this.topicStore, this.layout, options.ackWaitMs) : undefined;
    this.capabilities.keyOrder = options.exclusiveGroups;
    this.deliveries = new Deliveries(nc, this.api, this.groupStore, this.records, this.layout, options, locks);
    this.notifier = new AppendNotifier(nc, this.layout);
    nc.subscribe(this.layout.deletedTopics, { callback: (_error, msg) => { const topic = msg.string(); if (isTopicName(topic)) this.forgetTopic(topic); } });
  }

  async append(topic: string, events: readonly CloudEvent[]): Promise<AppendReceipt[]> {
    this.assertOpen();
    assertTopic(topic);
    events.forEach(assertEventAt);
    if (events.length === 0) return [];
    const receipts = await this.appender.append(topic, events);
    this.deliveries.appended(this.layout.stream(topic), receipts.reduce((max, r) => Math.max(max, r.position), 0));
    if (receipts.some((r) => !r.duplicate)) this.notifier.appended(topic);
    return receipts;
  }

  async *read(topic: string, options: ReadOptions = {}): AsyncIterable<StoredEvent> {
    this.assertOpen();
    assertTopic(topic);
    if (options.from !== undefined) assertStartFrom(options.from);
    if (options.limit !== undefined) assertPositiveInt(options.limit, 'limit');
    const info = await this.topicStore.info(topic);
    if (!info || info.state.messages === 0) return;
    const start = await this.startSeq(topic, options.from ?? 'earliest');
    const leader = info.cluster?.leader;
    yield* readStream(this.nc, this.api, { stream: info.config.name, subject: info.config.subjects[0]!, topic, start, end: info.state.last_seq, ...(leader ? { leader } : {}) }, options);
  }

  async fetch(topic: string, group: string, options: FetchOptions): Promise<Delivery[]> {
    this.assertOpen();
    assertTopic(topic);
    assertGroup(group);
    assertPositiveInt(options.max, 'max');
    assertPositiveInt(options.leaseMs, 'leaseMs');
    if (options.from !== undefined) assertStartFrom(options.from);
    const stream = await this.topicStore.ensure(topic);
    return this.deliveries.fetch(topic, stream, group, options, () => this.startSeq(topic, options.from ?? 'earliest'));
  }

  async settle(topic: string, group: string, settlements: readonly Settlement[]): Promise<SettleOutcome[]> {
    this.assertOpen();
    assertTopic(topic);
    assertGroup(group);
    checkSettlements(settlements);
    return this.deliveries.settle(this.layout.stream(topic), group, settlements);
  }

  async requeue(topic: string, group: string, event: CloudEvent, position: number): Promise<void> {
    this.assertOpen();
    assertTopic(topic);
    assertGroup(group);
    assertValidEnvelope(event);
    assertPositiveInt(position, 'position');
    const stream = await this.topicStore.ensure(topic);
    await this.groupStore.ensure(stream, group, () => this.startSeq(topic, 'earliest'));
    this.deliveries.requeued(stream, group, await this.groupStore.requeue(stream, group, event, position));
    this.notifier.appended(topic);
  }

  onAppend(topic: string, listener: () => void): () => void {
    this.assertOpen();
    assertTopic(topic);
    return this.notifier.listen(topic, listener);
  }

  async topics(): Promise<TopicInfo[]> {
    this.assertOpen();
    const infos = await this.topicStore.list();
    return infos.map((i) => this.topicStore.topicInfo(i)).sort((a, b) => a.topic.localeCompare(b.topic));
  }

  async topicInfo(topic: string): Promise<TopicInfo | undefined> {
    this.assertOpen();
    assertTopic(topic);
    const info = await this.topicStore.info(topic);
    return info && this.topicStore.topicInfo(info);
  }

  async groups(topic?: string): Promise<GroupInfo[]> {
    this.assertOpen();
    if (topic !== undefined) assertTopic(topic);
    const streams = topic === undefined ? await this.topicStore.list() : [await this.topicStore.info(topic)].filter((s) => s !== undefined);
    const out: GroupInfo[] = [];
    for (const s of streams) {
      const name = this.topicStore.topicInfo(s).topic;
      for (const c of await this.groupStore.list(s.config.name)) {
        const redrive = await this.groupStore.redriveInfo(s.config.name, c.name);
        const pending = c.num_ack_pending + (redrive?.num_ack_pending ?? 0);
        const unseen = await this.unseen(s, c);
        out.push({ topic: name, group: c.name, cursor: c.delivered.stream_seq + 1, pending, lag: pending + unseen + (redrive?.num_pending ?? 0) });
      }
    }
    return out.sort((a, b) => a.topic.localeCompare(b.topic) || a.group.localeCompare(b.group));
  }

  /**
   * Events of the stream the group has not been handed yet. `num_pending` is counted by the
   * group consumer's leader from its own replica, which may still be catching up (a node restarted
   * seconds ago): it then says 0 while the stream leader holds more (R11 in a CI run: lag 0 with
   * 240 events never delivered, so the drain stopped early). When it says 0 below the stream's last
   * sequence, the stream leader is asked whether anything is stored after what was delivered.
   */
  private async unseen(s: StreamInfo, c: ConsumerInfo): Promise<number> {
    const last = s.state.last_seq;
    const delivered = c.delivered.stream_seq;
    if (c.num_pending > 0 || delivered >= last) return c.num_pending;
    const more = await leaderHasFrom(this.api, { stream: s.config.name, subject: s.config.subjects[0]!, end: last }, delivered + 1);
    return more ? last - delivered : 0;
  }

  async resetGroup(topic: string, group: string, to: StartFrom): Promise<void> {
    this.assertOpen();
    assertTopic(topic);
    assertGroup(group);
    assertStartFrom(to);
    const stream = await this.topicStore.ensure(topic);
    const start = await this.startSeq(topic, to);
    await this.dropGroup(stream, group);
    await this.groupStore.create(stream, group, start);
  }

  async deleteGroup(topic: string, group: string): Promise<void> {
    this.assertOpen();
    assertTopic(topic);
    assertGroup(group);
    await this.dropGroup(this.layout.stream(topic), group);
  }

  /**
   * Deletes the topic's stream, its groups (their consumers, requeued events and attempt
   * records) and its retention, then tells the namespace's other processes, which forget what
   * they had cached of it: their next append or fetch makes it again (positions from 1). Nothing
   * is re-made on an error alone: a stream missing while a restarted server restores it must
   * not be created empty (ADR 0009).
   */
  async deleteTopic(topic: string): Promise<boolean> {
    this.assertOpen();
    assertTopic(topic);
    const info = await this.topicStore.info(topic);
    if (!info) return false;
    for (const c of await this.groupStore.list(info.config.name)) await this.dropGroup(info.config.name, c.name);
    const deleted = await this.topicStore.delete(topic);
    this.forgetTopic(topic);
    this.nc.publish(this.layout.deletedTopics, topic);
    return deleted;
  }

  /** What this process cached of a topic another process (or this one) deleted. */
  private forgetTopic(topic: string): void {
    const stream = this.layout.stream(topic);
    this.appender.forget(topic);
    this.topicStore.forget(stream);
    this.groupStore.forgetStream(stream);
    this.deliveries.forgetStream(stream);
  }

  async setRetention(topic: string, retention: Retention): Promise<void> {
    this.assertOpen();
    assertTopic(topic);
    if (retention.maxAgeMs !== undefined) assertPositiveInt(retention.maxAgeMs, 'retention.maxAgeMs');
    if (retention.maxCount !== undefined) assertPositiveInt(retention.maxCount, 'retention.maxCount');
    const kept: Retention = {
      ...(retention.maxAgeMs === undefined ? {} : { maxAgeMs: retention.maxAgeMs }),
      ...(retention.maxCount === undefined ? {} : { maxCount: retention.maxCount }),
    };
    await this.topicStore.setDescription(topic, describeRetention(kept));
  }

  async applyRetention(): Promise<number> {
    this.assertOpen();
    const now = Date.now();
    let removed = 0;
    for (const info of await this.topicStore.list()) removed += await applyStreamRetention(this.api, this.topicStore, this.groupStore, info, now);
    return removed;
  }

  async deleteEvent(topic: string, position: number): Promise<boolean> {
    this.assertOpen();
    assertTopic(topic);
    assertPositiveInt(position, 'position');
    try {
      const answer = await this.api.call<{ success?: boolean }>(`STREAM.MSG.DELETE.${this.layout.stream(topic)}`, { seq: position, no_erase: true });
      return answer.success === true;
    } catch (error) {
      // 10057 is how 2.9 answers a sequence past the end ("stream store EOF").
      if (isApiError(error, ERR.streamNotFound) || isApiError(error, ERR.sequenceNotFound) || isApiError(error, ERR.deleteFailed)) return false;
      throw error;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.notifier.close();
    await this.deliveries.close();
    if (!this.nc.isClosed()) await this.nc.drain().catch(() => this.nc.close());
  }

  private async dropGroup(stream: string, group: string): Promise<void> {
    this.deliveries.forget(stream, group);
    await this.groupStore.delete(stream, group);
    await this.records.removeGroup(stream, group);
  }

  /** The stream sequence where `from` starts on `topic`. */
  private async startSeq(topic: string, from: StartFrom): Promise<number> {
    const info = await this.topicStore.info(topic);
    if (!info) return 1;
    const { first, head } = this.topicStore.topicInfo(info);
    if (typeof from === 'object' && 'time' in from) {
      return this.topicStore.firstAtOrAfter(info.config.name, info.config.subjects[0]!, first, head, timeOf(from));
    }
    return resolveStart(from, { first, head }, () => head + 1);
  }

  private assertOpen(): void {
    if (this.closed) throw new HeraldError('HERALD_E_CLOSED', 'the log is closed');
  }
}

/** A notice's payload names a topic (anything else on the subject is ignored). */
function isTopicName(name: string): boolean {
  try {
    assertTopic(name);
    return true;
  } catch {
    return false;
  }
}
