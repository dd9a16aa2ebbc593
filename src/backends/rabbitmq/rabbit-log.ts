import { randomUUID } from 'node:crypto';
import { systemClock } from '../../core/clock.js';
import { assertValidEnvelope, type CloudEvent } from '../../core/envelope.js';
import { assertEventAt } from '../../log/event-at.js';
import { assertGroup, assertPositiveInt, assertStartFrom, assertTopic } from '../../log/names.js';
import { checkSettlements } from '../../log/validate.js';
import type {
  AppendReceipt, Capabilities, Delivery, EventLog, FetchOptions, GroupInfo, ReadOptions, Retention,
  SettleOutcome, Settlement, StartFrom, StoredEvent, TopicInfo,
} from '../../log/types.js';
import { Catalog } from './catalog.js';
import { toWire } from './commands.js';
import { closedError, isTopicDeleted, unavailable } from './errors.js';
import type { Grant } from './group-table.js';
import { Tags } from './journal.js';
import { resolveOptions, type RabbitLogOptions, type ResolvedOptions } from './options.js';
import { Session } from './session.js';
import { storedEvents, toDeliveries } from './topic-reads.js';
import { topicStreams, TopicReplica, type ReplicaContext } from './topic-replica.js';

/**
 * herald's EventLog on RabbitMQ streams (see docs/backends/rabbitmq.md): each topic is a data
 * stream (the replayable log; position = stream offset + 1) and a control stream that orders every
 * group operation, so leases, acks and per-key order hold across processes.
 */
export class RabbitLog implements EventLog {
  readonly backend = 'rabbitmq';
  readonly capabilities: Capabilities = {
    durable: true, keyOrder: true, transactionalAck: false, readByTime: true, contiguousPositions: false,
  };
  /**
   * A fetch is a command on the control stream, applied in the stream's order: a second fetch sent
   * before the first answered still sees the first's leases. Keeping two out hides the round trip
   * (consume +30–40% in bench:backends); PostgreSQL and Redis measured no gain, NATS keeps one.
   */
  readonly fetchesInFlight = 2;
  private readonly replicas = new Map<string, Promise<TopicReplica | undefined>>();
  private readonly listeners = new Map<string, Set<() => void>>();
  private closed = false;
  private reconnecting: Promise<void> | undefined;

  private constructor(private session: Session, private catalog: Catalog, private ctx: ReplicaContext, private readonly options: ResolvedOptions) {}

  static async open(options: RabbitLogOptions): Promise<RabbitLog> {
    const resolved = resolveOptions(options);
    const { session, catalog, ctx } = await RabbitLog.connect(resolved);
    return new RabbitLog(session, catalog, ctx, resolved);
  }

  /** One connection and what hangs on it: the catalog's tail; topic replicas are opened on demand. */
  private static async connect(resolved: ResolvedOptions): Promise<{ session: Session; catalog: Catalog; ctx: ReplicaContext }> {
    const session = await Session.open(resolved.url, resolved.connectTimeoutMs, resolved.heartbeatSeconds);
    try {
      const tags = new Tags(randomUUID());
      const catalog = await Catalog.open(session, resolved.prefix, tags, resolved.timeoutMs);
      return {
        session, catalog, ctx: {
          session, tags, clock: resolved.clock ?? systemClock, prefix: resolved.prefix,
          streamArguments: resolved.streamArguments, cacheEvents: resolved.cacheEvents, timeoutMs: resolved.timeoutMs, snapshotEvery: resolved.snapshotEvery,
        },
      };
    } catch (error) {
      await session.close();
      throw error;
    }
  }

  /** The RabbitMQ server's version, as it reported it when the connection opened. */
  get serverVersion(): string {
    return this.session.version;
  }

  async append(topic: string, events: readonly CloudEvent[]): Promise<AppendReceipt[]> {
    this.assertOpen();
    assertTopic(topic);
    events.forEach(assertEventAt);
    if (events.length === 0) return [];
    return (await this.replica(topic, true))!.append(events);
  }

  async *read(topic: string, options: ReadOptions = {}): AsyncIterable<StoredEvent> {
    this.assertOpen();
    assertTopic(topic);
    if (options.from !== undefined) assertStartFrom(options.from);
    if (options.limit !== undefined) assertPositiveInt(options.limit, 'limit');
    const replica = await this.replica(topic, false);
    if (!replica) return;
    const head = replica.index.head;
    const limit = options.limit ?? Infinity;
    let yielded = 0;
    for await (const stored of storedEvents(this.session, replica, replica.state.start(toWire(options.from ?? 'earliest'), head), head)) {
      if (options.types && !options.types.includes(stored.event.type)) continue;
      yield stored;
      if (++yielded >= limit) return;
    }
  }

  async fetch(topic: string, group: string, options: FetchOptions): Promise<Delivery[]> {
    this.assertOpen();
    assertTopic(topic);
    assertGroup(group);
    assertPositiveInt(options.max, 'max');
    assertPositiveInt(options.leaseMs, 'leaseMs');
    if (options.from !== undefined) assertStartFrom(options.from);
    const replica = (await this.replica(topic, true))!;
    const now = this.ctx.clock.now();
    const existing = replica.state.groups.get(group);
    const head = replica.index.last;
    // Nothing to hand out as far as this process knows: answer without writing a command.
    if (existing) {
      const view = replica.state.viewAt(Math.max(head, replica.state.announcedHead));
      if (!existing.mayHaveWork(view, now) || existing.clone().fetch(view, now, -1, options.max, options.leaseMs).length === 0) return [];
    }
    const grants = await replica.propose({
      k: 'fetch', g: group, from: toWire(options.from ?? 'earliest'), max: options.max, leaseMs: options.leaseMs, at: now, head,
    }) as Grant[];
    return toDeliveries(this.session, replica, group, grants, now);
  }

  async settle(topic: string, group: string, settlements: readonly Settlement[]): Promise<SettleOutcome[]> {
    this.assertOpen();
    assertTopic(topic);
    assertGroup(group);
    checkSettlements(settlements);
    if (settlements.length === 0) return [];
    const replica = await this.replica(topic, false);
    if (!replica) return settlements.map(() => 'stale');
    return await replica.propose({ k: 'settle', g: group, s: settlements.map(plainSettlement), at: this.ctx.clock.now() }) as SettleOutcome[];
  }

  async requeue(topic: string, group: string, event: CloudEvent, position: number): Promise<void> {
    this.assertOpen();
    assertTopic(topic);
    assertGroup(group);
    assertValidEnvelope(event);
    assertPositiveInt(position, 'position');
    await (await this.replica(topic, true))!.propose({ k: 'requeue', g: group, p: position, e: event });
    this.notify(topic);
  }

  onAppend(topic: string, listener: () => void): () => void {
    this.assertOpen();
    assertTopic(topic);
    let set = this.listeners.get(topic);
    if (!set) { set = new Set(); this.listeners.set(topic, set); }
    set.add(listener);
    // Events appended by any process reach this one through its tail of the topic's data stream.
    this.replica(topic, true).catch(() => undefined);
    return () => { set.delete(listener); };
  }

  async topics(): Promise<TopicInfo[]> {
    const replicas = await this.allReplicas();
    return replicas.map((r) => this.info(r)).sort((a, b) => a.topic.localeCompare(b.topic));
  }

  async topicInfo(topic: string): Promise<TopicInfo | undefined> {
    this.assertOpen();
    assertTopic(topic);
    const replica = await this.replica(topic, false);
    return replica && this.info(replica);
  }

  async groups(topic?: string): Promise<GroupInfo[]> {
    this.assertOpen();
    if (topic !== undefined) assertTopic(topic);
    const replicas = topic === undefined ? await this.allReplicas() : [await this.replica(topic, false)].filter((r) => r !== undefined);
    const out: GroupInfo[] = [];
    for (const r of replicas) {
      for (const [name, g] of r.state.groups) out.push(r.state.groupInfo(r.topic, name, g, r.index.head));
    }
    return out.sort((a, b) => a.topic.localeCompare(b.topic) || a.group.localeCompare(b.group));
  }

  async resetGroup(topic: string, group: string, to: StartFrom): Promise<void> {
    this.assertOpen();
    assertTopic(topic);
    assertGroup(group);
    assertStartFrom(to);
    await (await this.replica(topic, true))!.propose({ k: 'reset', g: group, to: toWire(to) });
  }

  async deleteGroup(topic: string, group: string): Promise<void> {
    this.assertOpen();
    assertTopic(topic);
    assertGroup(group);
    await (await this.replica(topic, false))?.propose({ k: 'drop', g: group });
  }

  async setRetention(topic: string, retention: Retention): Promise<void> {
    this.assertOpen();
    assertTopic(topic);
    if (retention.maxAgeMs !== undefined) assertPositiveInt(retention.maxAgeMs, 'retention.maxAgeMs');
    if (retention.maxCount !== undefined) assertPositiveInt(retention.maxCount, 'retention.maxCount');
    const r: Retention = {};
    if (retention.maxAgeMs !== undefined) r.maxAgeMs = retention.maxAgeMs;
    if (retention.maxCount !== undefined) r.maxCount = retention.maxCount;
    await (await this.replica(topic, true))!.propose({ k: 'retention', r });
  }

  async applyRetention(): Promise<number> {
    const at = this.ctx.clock.now();
    let removed = 0;
    for (const r of await this.allReplicas()) {
      if (r.state.retention.maxAgeMs === undefined && r.state.retention.maxCount === undefined) continue;
      removed += await r.propose({ k: 'trim', at }) as number;
    }
    return removed;
  }

  /**
   * Deletes the topic (ADR 0009): a `closed` command on its control stream orders the delete
   * against every append and group command (those after it fail, and are retried on the topic
   * made again), the catalogue records the delete (the name's next use is a new generation, with
   * new streams), then its two streams are deleted. A delete that stopped half-way is finished by
   * the next one.
   */
  async deleteTopic(topic: string): Promise<boolean> {
    this.assertOpen();
    assertTopic(topic);
    await this.live();
    await this.catalog.sync();
    if (!this.catalog.topics.has(topic)) return false;
    const generation = this.catalog.generation(topic);
    let closedHere = true;
    try {
      const replica = await this.replica(topic, false);
      if (!replica) return false;
      await replica.propose({ k: 'closed' });
    } catch (error) {
      if (!isTopicDeleted(error)) throw error;
      closedHere = false; // closed already: by another process now, or by a delete that stopped half-way
    }
    await this.catalog.remove(topic, generation);
    for (const stream of topicStreams(this.options.prefix, topic, generation)) {
      await this.session.deleteStream(stream);
    }
    return closedHere;
  }

  async deleteEvent(topic: string, position: number): Promise<boolean> {
    this.assertOpen();
    assertTopic(topic);
    assertPositiveInt(position, 'position');
    const replica = await this.replica(topic, false);
    return replica ? await replica.propose({ k: 'delete', p: position }) as boolean : false;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const replicas = await Promise.allSettled(this.replicas.values());
    await Promise.all(replicas.map(async (r) => { if (r.status === 'fulfilled') await r.value?.stop(); }));
    await this.catalog.stop();
    await this.session.close();
  }

  private assertOpen(): void {
    if (this.closed) throw closedError();
  }

  /**
   * After the connection failed (broker restart, network), the next call opens a new one and
   * rebuilds every replica from the streams; calls in flight on the old one failed with
   * HERALD_E_UNAVAILABLE (retryable). While the broker stays away each call fails the same way.
   */
  private async live(): Promise<void> {
    this.assertOpen();
    if (!this.session.failed) return;
    this.reconnecting ??= this.reconnect().finally(() => { this.reconnecting = undefined; });
    await this.reconnecting;
  }

  private async reconnect(): Promise<void> {
    const next = await RabbitLog.connect(this.options);
    if (this.closed) {
      await next.catalog.stop();
      await next.session.close();
      throw closedError();
    }
    const stale = [...this.replicas.values()];
    const old = { session: this.session, catalog: this.catalog };
    ({ session: this.session, catalog: this.catalog, ctx: this.ctx } = next);
    this.replicas.clear();
    // Calls still waiting on the old replicas fail as retryable, not as "closed".
    const lost = unavailable(this.options.url, 'connection lost', 'reconnected: retry the call');
    void Promise.allSettled(stale).then(async (replicas) => {
      const opened = replicas.flatMap((r) => (r.status === 'fulfilled' && r.value ? [r.value] : []));
      for (const r of opened) r.abandon(lost);
      await Promise.allSettled(opened.map((r) => r.stop()));
      await old.catalog.stop().catch(() => undefined);
      await old.session.close();
    });
    // Topics with onAppend listeners are tailed again, so the listeners keep waking up.
    for (const topic of this.listeners.keys()) this.replica(topic, true).catch(() => undefined);
  }

  /**
   * This process's replica of `topic`; undefined when the topic does not exist and `create` is
   * false. One opening at a time per topic (callers meanwhile share it); one whose topic was
   * deleted meanwhile is opened again, once, on the generation that follows.
   */
  private async replica(topic: string, create: boolean, retried = false): Promise<TopicReplica | undefined> {
    await this.live();
    let pending = this.replicas.get(topic);
    if (!pending) {
      pending = this.openReplica(topic, create);
      this.replicas.set(topic, pending);
      const mine = pending; // a reconnect may have replaced it meanwhile
      const forget = (): void => { if (this.replicas.get(topic) === mine) this.replicas.delete(topic); };
      pending.then((replica) => { if (!replica) forget(); }, forget);
    }
    let failure: unknown;
    try {
      const replica = await pending;
      // Shared a lookup that found no topic: this call makes it.
      if (!replica) return create ? await this.replica(topic, create, retried) : undefined;
      if (!replica.failure) return replica;
      failure = replica.failure;
      if (this.replicas.get(topic) === pending) this.replicas.delete(topic);
      await replica.stop();
    } catch (error) {
      failure = error;
    }
    if (!retried && isTopicDeleted(failure)) return this.replica(topic, create, true);
    throw failure;
  }

  /** Opens a replica on the topic's current generation, the catalogue caught up first (another process may have deleted the topic). */
  private async openReplica(topic: string, create: boolean): Promise<TopicReplica | undefined> {
    await this.catalog.sync();
    if (!create && !this.catalog.topics.has(topic)) return undefined;
    const generation = this.catalog.generation(topic);
    await this.catalog.register(topic);
    const replica = await TopicReplica.open(this.ctx, topic, generation);
    replica.index.listeners.add(() => this.notify(topic));
    return replica;
  }

  private async allReplicas(): Promise<TopicReplica[]> {
    await this.live();
    await this.catalog.sync();
    const out: TopicReplica[] = [];
    for (const topic of [...this.catalog.topics]) {
      const replica = await this.replica(topic, false);
      if (replica) out.push(replica); // undefined: deleted meanwhile
    }
    return out;
  }

  private info(r: TopicReplica): TopicInfo {
    const head = r.index.head;
    return { topic: r.topic, head, first: r.state.first(head), count: r.state.count(), retention: { ...r.state.retention } };
  }

  private notify(topic: string): void {
    this.listeners.get(topic)?.forEach((l) => l());
  }
}

function plainSettlement(s: Settlement): Settlement {
  switch (s.kind) {
    case 'ack': case 'release': return { kind: s.kind, position: s.position, leaseId: s.leaseId };
    case 'nack': return { kind: 'nack', position: s.position, leaseId: s.leaseId, delayMs: s.delayMs, ...(s.error ? { error: s.error } : {}) };
    case 'extend': return { kind: 'extend', position: s.position, leaseId: s.leaseId, leaseMs: s.leaseMs };
  }
}
