import { assertValidEnvelope, type CloudEvent } from '../../core/envelope.js';
import { HeraldError } from '../../core/errors.js';
import { assertEventAt } from '../../log/event-at.js';
import { assertGroup, assertPositiveInt, assertStartFrom, assertTopic } from '../../log/names.js';
import { checkSettlements } from '../../log/validate.js';
import type {
  AppendReceipt, Capabilities, Delivery, FetchOptions, GroupInfo, ReadOptions, Retention,
  SettleOutcome, Settlement, StartFrom, StoredEvent, TopicInfo,
} from '../../log/types.js';
import { Admin } from './admin.js';
import { appendEvents } from './appender.js';
import { AppendCoalescer } from '../../log/append-coalescer.js';
import { arrayLiteral, Db } from './db.js';
import { fetchOpening } from './fetch-open.js';
import { ensureGroup, fetchTx } from './fetch.js';
import { migrate } from './migrations.js';
import { LIVE_TOPIC } from './migration-5.js';
import { Notifier } from './notifier.js';
import { PostgresStreams } from './postgres-streams.js';
import type { ResolvedOptions } from './options.js';
import type { StreamLog } from '../../log/streams.js';
import { readPersistence, refuseUnsafe, type PgPersistence } from './persistence.js';
import { readTopic } from './reader.js';
import { applyRetention } from './retention.js';
import { infoOf, topicInfoColumns, Topics, type TopicInfoRow } from './topics.js';

/**
 * The EventLog on PostgreSQL, safe for many herald processes on one database: appends of a topic
 * serialise on its row (contiguous positions, committed in order), fetches of a group serialise on
 * its advisory lock (per-key order across processes), settles are fenced by lease ids. Durable
 * once COMMIT returns (synchronous_commit=on). Keeps event-sourced streams too (`streams`).
 * See docs/backends/postgres.md.
 */
export class PostgresLog implements StreamLog {
  readonly backend = 'postgres';
  readonly capabilities: Capabilities = {
    durable: true, keyOrder: true, transactionalAck: false, readByTime: true, contiguousPositions: true,
  };
  readonly schema: string;
  /** The server's durability settings, read by `openPostgresLog` (they decide `capabilities.durable`). */
  persistence: PgPersistence | undefined;
  /** Event-sourced streams (event store) on the same tables; see postgres-streams.ts. */
  readonly streams: PostgresStreams;
  private readonly topicIds: Topics;
  /** Group ids by `<topic id>/<group>`, learned by fetches (a fetch that finds its group gone forgets it). */
  private readonly groupIds = new Map<string, number>();
  private readonly admin: Admin;
  private readonly notifier: Notifier;
  private readonly appender: AppendCoalescer;
  private closing: Promise<void> | undefined;

  /** Use `openPostgresLog`, which migrates the schema first. */
  constructor(private readonly db: Db) {
    this.schema = db.options.schema;
    this.topicIds = new Topics(db);
    this.admin = new Admin(db, this.topicIds);
    this.notifier = new Notifier(db);
    this.appender = new AppendCoalescer(async (topic, events) => {
      const receipts = await appendEvents(db, topic, events);
      if (receipts.some((r) => !r.duplicate)) { this.notifier.local(topic); this.notifier.announce(topic); }
      return receipts;
    });
    this.streams = new PostgresStreams({
      db, topics: this.topicIds, notifier: this.notifier, streamTopic: db.options.streamTopic, assertOpen: () => this.assertOpen(),
    });
  }

  static create(options: ResolvedOptions): PostgresLog {
    return new PostgresLog(new Db(options));
  }

  /** Brings the schema up to the latest migration (openPostgresLog does this); returns the versions applied. */
  async migrate(): Promise<number[]> {
    this.assertOpen();
    return this.db.session(`migrating schema ${this.schema}`, (sql) => migrate(sql, this.schema), { unlimited: true });
  }

  /** Reads fsync and synchronous_commit: labels the log not durable, or refuses with `requireDurable`. */
  async checkPersistence(): Promise<PgPersistence> {
    this.assertOpen();
    const p = await readPersistence(this.db);
    this.persistence = p;
    this.capabilities.durable = p.durable;
    if (!p.durable && this.db.options.requireDurable) throw refuseUnsafe(p, this.db.where);
    return p;
  }

  async append(topic: string, events: readonly CloudEvent[]): Promise<AppendReceipt[]> {
    this.assertOpen();
    assertTopic(topic);
    if (!Array.isArray(events)) throw new HeraldError('HERALD_E_INVALID_ARGUMENT', 'events must be an array', { details: { field: 'events' } });
    events.forEach(assertEventAt);
    if (events.length === 0) return [];
    return this.appender.append(topic, events);
  }

  read(topic: string, options: ReadOptions = {}): AsyncIterable<StoredEvent> {
    const checked = async function* (log: PostgresLog): AsyncGenerator<StoredEvent> {
      log.assertOpen();
      assertTopic(topic);
      if (options.from !== undefined) assertStartFrom(options.from);
      if (options.limit !== undefined) assertPositiveInt(options.limit, 'limit');
      for await (const stored of readTopic(log.db, log.topicIds, topic, options)) {
        log.assertOpen();
        yield stored;
      }
    };
    return checked(this);
  }

  async fetch(topic: string, group: string, options: FetchOptions): Promise<Delivery[]> {
    this.assertOpen();
    assertTopic(topic);
    assertGroup(group);
    assertPositiveInt(options.max, 'max');
    assertPositiveInt(options.leaseMs, 'leaseMs');
    if (options.from !== undefined) assertStartFrom(options.from);
    const topicId = await this.topicIds.ensure(topic);
    const args = { topic, topicId, group, max: options.max, leaseMs: options.leaseMs };
    const known = `${topicId}/${group}`;
    for (;;) {
      const groupId = this.groupIds.get(known) ?? await ensureGroup(this.db, topicId, group, options.from ?? 'earliest');
      const out = await this.db.tx(`fetching from ${topic}/${group}`,
        (sql, opened) => fetchTx(sql, this.db.s, groupId, args, opened), fetchOpening(this.db.s, groupId, this.db.now(), options.max));
      // undefined: the group was deleted meanwhile (group ids are never reused); make it again
      if (out) { this.groupIds.set(known, groupId); return out; }
      this.groupIds.delete(known);
    }
  }

  async settle(topic: string, group: string, settlements: readonly Settlement[]): Promise<SettleOutcome[]> {
    this.assertOpen();
    assertTopic(topic);
    assertGroup(group);
    checkSettlements(settlements);
    if (settlements.length === 0) return [];
    const ms = settlements.map((s) => (s.kind === 'nack' ? Math.ceil(s.delayMs) : s.kind === 'extend' ? s.leaseMs : 0));
    const errors = settlements.map((s) => (s.kind === 'nack' && s.error ? JSON.stringify(s.error) : null));
    // Kinds and numbers (checked above) need no quoting: array literals written here cost a fifth
    // of the driver's general conversion, which quotes every element.
    const [row] = await this.db.query<{ ok: boolean[] }>(`SELECT ${this.db.s}.settle($1, $2, $3, $4, $5, $6, $7::jsonb[], $8) AS ok`, [
      topic, group, arrayLiteral(settlements.map((s) => s.kind)), arrayLiteral(settlements.map((s) => s.position)),
      arrayLiteral(settlements.map((s) => s.leaseId)), arrayLiteral(ms), errors.some((e) => e !== null) ? errors : arrayLiteral(errors.map(() => 'NULL')), this.db.now(),
    ], `settling ${topic}/${group}`);
    return row!.ok.map((ok) => (ok ? 'ok' : 'stale'));
  }

  async requeue(topic: string, group: string, event: CloudEvent, position: number): Promise<void> {
    this.assertOpen();
    assertTopic(topic);
    assertGroup(group);
    assertValidEnvelope(event);
    assertPositiveInt(position, 'position');
    await this.admin.requeue(topic, group, event, position);
    this.notifier.local(topic);
  }

  onAppend(topic: string, listener: () => void): () => void {
    this.assertOpen();
    assertTopic(topic);
    return this.notifier.add(topic, listener);
  }

  async topics(): Promise<TopicInfo[]> {
    this.assertOpen();
    const found = await this.db.query<TopicInfoRow>(`SELECT ${topicInfoColumns(this.db.s)} FROM ${this.db.s}.topics t WHERE ${LIVE_TOPIC}`, [], 'listing topics');
    return found.map(infoOf).sort((a, b) => a.topic.localeCompare(b.topic));
  }

  async topicInfo(topic: string): Promise<TopicInfo | undefined> {
    this.assertOpen();
    assertTopic(topic);
    const [row] = await this.db.query<TopicInfoRow>(`SELECT ${topicInfoColumns(this.db.s)} FROM ${this.db.s}.topics t WHERE t.name = $1 AND ${LIVE_TOPIC}`, [topic], `reading ${topic}`);
    return row && infoOf(row);
  }

  async groups(topic?: string): Promise<GroupInfo[]> {
    this.assertOpen();
    if (topic !== undefined) assertTopic(topic);
    return this.admin.groups(topic);
  }

  async resetGroup(topic: string, group: string, to: StartFrom): Promise<void> {
    this.assertOpen();
    assertTopic(topic);
    assertGroup(group);
    assertStartFrom(to);
    await this.admin.resetGroup(topic, group, to);
  }

  async deleteGroup(topic: string, group: string): Promise<void> {
    this.assertOpen();
    assertTopic(topic);
    assertGroup(group);
    await this.admin.deleteGroup(topic, group);
  }

  async setRetention(topic: string, retention: Retention): Promise<void> {
    this.assertOpen();
    assertTopic(topic);
    if (retention.maxAgeMs !== undefined) assertPositiveInt(retention.maxAgeMs, 'retention.maxAgeMs');
    if (retention.maxCount !== undefined) assertPositiveInt(retention.maxCount, 'retention.maxCount');
    const kept: Retention = {};
    if (retention.maxAgeMs !== undefined) kept.maxAgeMs = retention.maxAgeMs;
    if (retention.maxCount !== undefined) kept.maxCount = retention.maxCount;
    await this.admin.setRetention(topic, kept);
  }

  async applyRetention(): Promise<number> {
    this.assertOpen();
    return applyRetention(this.db, this.db.now());
  }

  async deleteEvent(topic: string, position: number): Promise<boolean> {
    this.assertOpen();
    assertTopic(topic);
    assertPositiveInt(position, 'position');
    return this.admin.deleteEvent(topic, position);
  }

  async deleteTopic(topic: string): Promise<boolean> {
    this.assertOpen();
    assertTopic(topic);
    return this.admin.deleteTopic(topic);
  }

  /** Stops listening and closes the pool (waiting for queries under way). Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.notifier.close();
      await this.db.end();
    })();
    return this.closing;
  }

  private assertOpen(): void {
    if (this.closing) throw new HeraldError('HERALD_E_CLOSED', 'the log is closed');
  }
}
