import type Database from 'better-sqlite3';
import { assertValidEnvelope, type CloudEvent } from '../../core/envelope.js';
import { HeraldError, rejectWith } from '../../core/errors.js';
import { systemClock, type Clock } from '../../core/clock.js';
import { assertGroup, assertPositiveInt, assertStartFrom, assertTopic } from '../../log/names.js';
import { checkSettlements } from '../../log/validate.js';
import type { StreamLog } from '../../log/streams.js';
import type {
  AppendReceipt, Capabilities, Delivery, FetchOptions, GroupInfo, ReadOptions, Retention,
  SettleOutcome, Settlement, StartFrom, StoredEvent, TopicInfo, TransactionalLog,
} from '../../log/types.js';
import { Appender } from './appender.js';
import type { CheckpointMode } from './checkpoint-worker.js';
import type { CheckpointResult } from './checkpointer.js';
import { Engine } from './engine.js';
import { fetchTx } from './fetch.js';
import { ackIfHeld, deleteEventTx, deleteGroupTx, holdsLease, requeueTx, settleTx } from './group-ops.js';
import { resolveOptions, type SqliteLogOptions } from './options.js';
import { checkReadArgs, PageReader } from './reader.js';
import { applyRetention } from './retention.js';
import { SqliteStreams } from './sqlite-streams.js';
import { StreamWriter } from './stream-writer.js';
import { deleteTopicTx } from './topic-delete.js';
import { ensureTopic, findTopic, infoOf, resetGroupRow, topicRow } from './topics.js';

/**
 * The embedded durable backend: one SQLite file in WAL mode. Same semantics as MemoryLog; appends
 * are group-committed and acknowledged once fdatasync'd (see docs/adr/0001-sqlite-durability.md).
 * Handlers may write their own tables in the transaction that acks (`ackWith`). Event-sourced
 * streams (`streams`) are an index over the same topic rows, written in the same transactions.
 */
export class SqliteLog implements TransactionalLog<Database.Database>, StreamLog {
  readonly backend = 'sqlite';
  readonly capabilities: Capabilities = {
    durable: true, keyOrder: true, transactionalAck: true, readByTime: true, contiguousPositions: true,
  };
  readonly path: string;
  readonly streams: SqliteStreams;
  private readonly engine: Engine;
  private readonly clock: Clock;
  private readonly fsync: boolean;
  private readonly appends: Appender;
  private readonly listeners = new Map<string, Set<() => void>>();
  private closing: Promise<void> | undefined;

  constructor(options: SqliteLogOptions) {
    const o = resolveOptions(options);
    this.path = o.path;
    this.clock = o.clock ?? systemClock;
    this.fsync = o.durability === 'fsync';
    this.engine = new Engine(o);
    this.appends = new Appender(this.engine, {
      fsync: this.fsync,
      maxBatchEvents: o.maxBatchEvents,
      notify: (topic) => this.notify(topic),
      notifyStreams: () => this.streams.notify(),
      streamWriter: () => new StreamWriter(this.engine.ctx, this.streams.statements),
    });
    this.streams = new SqliteStreams({
      engine: this.engine,
      appends: this.appends,
      clock: this.clock,
      streamTopic: o.streamTopic,
      assertOpen: () => this.assertOpen(),
      assertWritable: () => this.assertWritable(),
      beforeRead: () => { this.assertOpen(); this.drain(); },
      write: (fn, doing) => this.writeAsync(fn, doing),
      durable: () => this.durable(),
    });
  }

  /** Not `async` (three promise hops fewer per append); errors still come back as rejections. */
  append(topic: string, events: readonly CloudEvent[]): Promise<AppendReceipt[]> {
    try {
      this.assertWritable();
      assertTopic(topic);
      return this.appends.append(topic, events, this.clock.now());
    } catch (error) {
      return rejectWith(error);
    }
  }

  read(topic: string, options: ReadOptions = {}): AsyncIterable<StoredEvent> {
    return new PageReader(this.engine, topic, options, () => { this.assertOpen(); checkReadArgs(topic, options); }, () => { this.assertOpen(); this.drain(); });
  }

  async fetch(topic: string, group: string, options: FetchOptions): Promise<Delivery[]> {
    this.assertWritable();
    assertTopic(topic);
    assertGroup(group);
    assertPositiveInt(options.max, 'max');
    assertPositiveInt(options.leaseMs, 'leaseMs');
    if (options.from !== undefined) assertStartFrom(options.from);
    const args = { topic, group, max: options.max, leaseMs: options.leaseMs, from: options.from ?? 'earliest', now: this.clock.now() };
    return await this.writeAsync(() => fetchTx(this.engine.ctx, args), `fetching from ${topic}/${group}`);
  }

  async settle(topic: string, group: string, settlements: readonly Settlement[]): Promise<SettleOutcome[]> {
    this.assertWritable();
    assertTopic(topic);
    assertGroup(group);
    checkSettlements(settlements);
    const now = this.clock.now();
    return await this.writeAsync(() => settleTx(this.engine.ctx, topic, group, settlements, now), `settling ${topic}/${group}`);
  }

  ackWith<R>(delivery: Delivery, work: (tx: Database.Database) => R): R {
    this.assertWritable();
    const { topic, group, position, leaseId } = delivery;
    return this.write(() => {
      if (!holdsLease(this.engine.ctx, topic, group, position, leaseId)) {
        throw new HeraldError('HERALD_E_STALE_LEASE', `ack of ${topic}#${position} for ${group} came after its lease was lost`, { details: { topic, group, position, leaseId } });
      }
      const result = work(this.engine.db);
      ackIfHeld(this.engine.ctx, topic, group, position, leaseId);
      return result;
    }, `acking ${topic}#${position} for ${group}`);
  }

  async requeue(topic: string, group: string, event: CloudEvent, position: number): Promise<void> {
    this.assertWritable();
    assertTopic(topic);
    assertGroup(group);
    assertValidEnvelope(event);
    assertPositiveInt(position, 'position');
    await this.writeAsync(() => requeueTx(this.engine.ctx, topic, group, event, position), `requeueing ${topic}#${position} for ${group}`);
    this.listeners.get(topic)?.forEach((l) => l());
    await this.durable();
  }

  onAppend(topic: string, listener: () => void): () => void {
    this.assertOpen();
    assertTopic(topic);
    // Like MemoryLog, listening makes the topic exist (unless writes have stopped: listening still works).
    if (!this.engine.failure && findTopic(this.engine.ctx, topic) === undefined) this.write(() => ensureTopic(this.engine.ctx, topic), `creating ${topic}`);
    let set = this.listeners.get(topic);
    if (!set) this.listeners.set(topic, (set = new Set()));
    set.add(listener);
    return () => { set.delete(listener); };
  }

  async topics(): Promise<TopicInfo[]> {
    this.assertOpen();
    this.drain();
    const { ctx } = this.engine;
    return this.engine.read(() => ctx.st.allTopics.all().map((row) => infoOf(ctx, row)), 'listing topics').sort((a, b) => a.topic.localeCompare(b.topic));
  }

  async topicInfo(topic: string): Promise<TopicInfo | undefined> {
    this.assertOpen();
    assertTopic(topic);
    this.drain();
    const { ctx } = this.engine;
    return this.engine.read(() => {
      const id = findTopic(ctx, topic);
      return id === undefined ? undefined : infoOf(ctx, topicRow(ctx, id));
    }, `reading ${topic}`);
  }

  async groups(topic?: string): Promise<GroupInfo[]> {
    this.assertOpen();
    if (topic !== undefined) assertTopic(topic);
    this.drain();
    const rows = this.engine.read(() => this.engine.ctx.st.listGroups.all(), 'listing groups');
    return rows
      .filter((r) => topic === undefined || r.topic === topic)
      .map((r) => ({ topic: r.topic, group: r.name, cursor: r.cursor, pending: r.pending, lag: r.pending + Math.max(0, r.head - r.cursor + 1) }))
      .sort((a, b) => a.topic.localeCompare(b.topic) || a.group.localeCompare(b.group));
  }

  async resetGroup(topic: string, group: string, to: StartFrom): Promise<void> {
    this.assertWritable();
    assertTopic(topic);
    assertGroup(group);
    assertStartFrom(to);
    const { ctx } = this.engine;
    await this.writeAsync(() => {
      const id = ensureTopic(ctx, topic);
      resetGroupRow(ctx, id, topicRow(ctx, id).head, group, to);
    }, `resetting ${topic}/${group}`);
    await this.durable();
  }

  async deleteGroup(topic: string, group: string): Promise<void> {
    this.assertWritable();
    assertTopic(topic);
    assertGroup(group);
    await this.writeAsync(() => deleteGroupTx(this.engine.ctx, topic, group), `deleting ${topic}/${group}`);
    await this.durable();
  }

  async setRetention(topic: string, retention: Retention): Promise<void> {
    this.assertWritable();
    assertTopic(topic);
    if (retention.maxAgeMs !== undefined) assertPositiveInt(retention.maxAgeMs, 'retention.maxAgeMs');
    if (retention.maxCount !== undefined) assertPositiveInt(retention.maxCount, 'retention.maxCount');
    const { ctx } = this.engine;
    await this.writeAsync(() => ctx.st.setRetention.run(JSON.stringify({ ...retention }), ensureTopic(ctx, topic)), `setting retention of ${topic}`);
    await this.durable();
  }

  async applyRetention(): Promise<number> {
    this.assertWritable();
    const removed = await applyRetention(this.engine, this.clock.now(), (fn, doing) => this.writeAsync(fn, doing));
    await this.durable();
    return removed;
  }

  async deleteEvent(topic: string, position: number): Promise<boolean> {
    this.assertWritable();
    assertTopic(topic);
    assertPositiveInt(position, 'position');
    const removed = await this.writeAsync(() => deleteEventTx(this.engine.ctx, topic, position), `deleting ${topic}#${position}`);
    await this.durable();
    return removed;
  }

  async deleteTopic(topic: string): Promise<boolean> {
    this.assertWritable();
    assertTopic(topic);
    const removed = await this.writeAsync(() => deleteTopicTx(this.engine.ctx, topic), `deleting topic ${topic}`);
    await this.durable();
    return removed;
  }

  /** Runs a WAL checkpoint on the worker now (the log also does this on its own). */
  async checkpoint(mode: CheckpointMode = 'PASSIVE'): Promise<CheckpointResult> {
    this.assertOpen();
    this.drain();
    await this.engine.sync.durable();
    return this.engine.checkpoint(mode);
  }

  /** Writes what is queued, waits for its sync, stops the worker and closes the file. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      while (this.engine.paused) await this.engine.paused;
      this.drain();
      await this.engine.close();
    })();
    return this.closing;
  }

  /** Writes queued appends first, so operations keep the order they were called in. */
  private drain(): void {
    this.appends.drain();
  }

  private notify(topic: string): void {
    const set = this.listeners.get(topic);
    if (set) queueMicrotask(() => set.forEach((l) => l()));
  }

  private write<T>(fn: () => T, doing: string): T {
    this.drain();
    return this.engine.write(fn, doing);
  }

  /** A write from an async operation: waits while a blocking checkpoint holds writes back. */
  private async writeAsync<T>(fn: () => T, doing: string): Promise<T> {
    while (this.engine.paused) await this.engine.paused;
    this.assertWritable();
    return this.write(fn, doing);
  }

  private async durable(): Promise<void> {
    if (this.fsync) await this.engine.sync.durable();
  }

  private assertOpen(): void {
    if (this.closing) throw new HeraldError('HERALD_E_CLOSED', 'the log is closed');
  }

  private assertWritable(): void {
    this.assertOpen();
    const failure = this.engine.failure;
    if (failure) throw new HeraldError(failure.code, `the log stopped accepting writes after an earlier failure: ${failure.message}`, { details: failure.details, cause: failure });
  }
}
