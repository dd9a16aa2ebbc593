import type { Redis } from 'ioredis';
import { assertValidEnvelope, type CloudEvent } from '../../core/envelope.js';
import { HeraldError, invalidArgument } from '../../core/errors.js';
import { assertEventAt } from '../../log/event-at.js';
import { assertGroup, assertPositiveInt, assertStartFrom, assertTopic } from '../../log/names.js';
import { checkSettlements, pageSize } from '../../log/validate.js';
import type {
  AppendReceipt, Capabilities, Delivery, EventLog, FetchOptions, GroupInfo, ReadOptions, Retention,
  SettleOutcome, Settlement, StartFrom, StoredEvent, TopicInfo,
} from '../../log/types.js';
import {
  appendArgs, channelOf, outcomesOf, clampPosition, deliveriesOf, MAX_POSITION, keyArg, receiptsOf, registryKey, settleArgs, startArgs, storedOf, streamKey,
} from './codec.js';
import { checkServer, connect, createClient, refuseUnsafe, type Persistence } from './connection.js';
import { fromRedis } from './errors.js';
import { AppendNotifier } from './notifier.js';
import { AppendCoalescer } from '../../log/append-coalescer.js';
import { resolveOptions, type RedisLogOptions, type ResolvedRedisOptions } from './options.js';
import { SCRIPTS } from './scripts.js';

type ScriptName = keyof typeof SCRIPTS;

/** Entries one retention step removes at most (one short script run each). */
const RETENTION_CHUNK = 500;

/**
 * The EventLog on Redis Streams: one stream per topic, one Redis consumer group per herald group,
 * every multi-key step one Lua script (atomic, and safe with any number of herald processes).
 * See docs/backends/redis.md for the mapping.
 */
export class RedisLog implements EventLog {
  readonly backend = 'redis';
  readonly capabilities: Capabilities;
  /** Two: every fetch is a lease of its own, applied atomically in the order sent on one connection. */
  readonly fetchesInFlight = 2;
  private readonly registered = new Set<string>();
  private readonly notifier: AppendNotifier;
  private readonly appender = new AppendCoalescer((topic, events) => this.write(topic, events));
  private closed = false;

  private constructor(private readonly client: Redis, private readonly options: ResolvedRedisOptions, readonly persistence: Persistence) {
    this.capabilities = { durable: persistence.durable, keyOrder: true, transactionalAck: false, readByTime: true, contiguousPositions: true };
    this.notifier = new AppendNotifier(client, options.keepAliveMs);
  }

  /** Connects and reads the server's persistence settings (they decide `capabilities.durable`). */
  static async open(options: RedisLogOptions = {}): Promise<RedisLog> {
    const resolved = resolveOptions(options);
    const client = createClient(resolved);
    await connect(client, resolved);
    try {
      const persistence = await checkServer(client);
      if (!persistence.durable && resolved.requireDurable) throw refuseUnsafe(persistence, resolved.url);
      return new RedisLog(client, resolved, persistence);
    } catch (error) {
      client.disconnect();
      throw fromRedis(error, 'checking the server');
    }
  }

  async append(topic: string, events: readonly CloudEvent[]): Promise<AppendReceipt[]> {
    this.assertOpen();
    assertTopic(topic);
    if (!Array.isArray(events)) throw invalidArgument('events must be an array', { field: 'events' });
    events.forEach(assertEventAt);
    if (events.length === 0) return [];
    return this.appender.append(topic, events);
  }

  /** One script run for the appends the coalescer merged. */
  private async write(topic: string, events: readonly CloudEvent[]): Promise<AppendReceipt[]> {
    const [reply] = await Promise.all([this.run('append', topic, appendArgs(this.now(), events)), this.register(topic)]);
    const receipts = receiptsOf(topic, events, reply);
    if (receipts.some((r) => !r.duplicate)) this.notifier.local(channelOf(this.stream(topic)));
    return receipts;
  }

  async *read(topic: string, options: ReadOptions = {}): AsyncIterable<StoredEvent> {
    this.assertOpen();
    assertTopic(topic);
    if (options.from !== undefined) assertStartFrom(options.from);
    if (options.limit !== undefined) assertPositiveInt(options.limit, 'limit');
    const limit = options.limit ?? Infinity;
    const from = options.from ?? 'earliest';
    let next = from === 'earliest' ? 1 : typeof from === 'object' && 'position' in from ? clampPosition(from.position) : await this.startOf(topic, from);
    let yielded = 0;
    while (yielded < limit) {
      const count = pageSize(options.types ? undefined : limit - yielded);
      const page = await this.call('reading', () => this.client.xrange(this.stream(topic), `${next}-0`, '+', 'COUNT', count));
      for (const entry of page) {
        const stored = storedOf(topic, entry);
        next = stored.position + 1;
        if (options.types && !options.types.includes(stored.event.type)) continue;
        yield stored;
        if (++yielded >= limit) return;
      }
      if (page.length < count) return;
    }
  }

  async fetch(topic: string, group: string, options: FetchOptions): Promise<Delivery[]> {
    this.assertOpen();
    assertTopic(topic);
    assertGroup(group);
    assertPositiveInt(options?.max, 'max');
    assertPositiveInt(options.leaseMs, 'leaseMs');
    if (options.from !== undefined) assertStartFrom(options.from);
    await this.register(topic);
    const reply = await this.run('fetch', topic, [group, this.now(), options.max, options.leaseMs, ...startArgs(options.from ?? 'earliest')]);
    return deliveriesOf(topic, group, reply);
  }

  async settle(topic: string, group: string, settlements: readonly Settlement[]): Promise<SettleOutcome[]> {
    this.assertOpen();
    assertTopic(topic);
    assertGroup(group);
    checkSettlements(settlements);
    if (settlements.length === 0) return [];
    return outcomesOf(await this.run('settle', topic, settleArgs(group, this.now(), settlements)));
  }

  async requeue(topic: string, group: string, event: CloudEvent, position: number): Promise<void> {
    this.assertOpen();
    assertTopic(topic);
    assertGroup(group);
    assertValidEnvelope(event);
    assertPositiveInt(position, 'position');
    if (position > MAX_POSITION) throw invalidArgument(`position must be at most ${MAX_POSITION}`, { field: 'position' });
    await this.register(topic);
    await this.run('requeue', topic, [group, this.now(), position, keyArg(event), JSON.stringify(event)]);
    this.notifier.local(channelOf(this.stream(topic)));
  }

  onAppend(topic: string, listener: () => void): () => void {
    this.assertOpen();
    assertTopic(topic);
    return this.notifier.on(channelOf(this.stream(topic)), listener);
  }

  async topics(): Promise<TopicInfo[]> {
    this.assertOpen();
    const names = await this.call('listing topics', () => this.client.smembers(registryKey(this.options.prefix)));
    const infos = await Promise.all(names.sort().map((name) => this.topicInfo(name)));
    return infos.filter((info): info is TopicInfo => info !== undefined);
  }

  async topicInfo(topic: string): Promise<TopicInfo | undefined> {
    this.assertOpen();
    assertTopic(topic);
    const reply = await this.run('topicInfo', topic, []) as [number, number, number, string, string] | [];
    if (reply.length === 0) return undefined;
    const [head, first, count, maxAgeMs, maxCount] = reply;
    const retention: Retention = {};
    if (maxAgeMs !== '') retention.maxAgeMs = Number(maxAgeMs);
    if (maxCount !== '') retention.maxCount = Number(maxCount);
    return { topic, head: Number(head), first: Number(first), count: Number(count), retention };
  }

  async groups(topic?: string): Promise<GroupInfo[]> {
    this.assertOpen();
    if (topic !== undefined) assertTopic(topic);
    const names = topic !== undefined ? [topic] : await this.call('listing topics', () => this.client.smembers(registryKey(this.options.prefix)));
    const perTopic = await Promise.all(names.map(async (name) => {
      const [head, groups] = await this.run('groups', name, []) as [number, [string, number, number][]];
      return groups.map(([group, cursor, pending]): GroupInfo => ({
        topic: name, group, cursor: Number(cursor), pending: Number(pending), lag: Number(pending) + Math.max(0, Number(head) - Number(cursor) + 1),
      }));
    }));
    return perTopic.flat().sort((a, b) => a.topic.localeCompare(b.topic) || a.group.localeCompare(b.group));
  }

  async resetGroup(topic: string, group: string, to: StartFrom): Promise<void> {
    this.assertOpen();
    assertTopic(topic);
    assertGroup(group);
    assertStartFrom(to);
    await this.register(topic);
    await this.run('resetGroup', topic, [group, ...startArgs(to)]);
  }

  async deleteGroup(topic: string, group: string): Promise<void> {
    this.assertOpen();
    assertTopic(topic);
    assertGroup(group);
    await this.run('deleteGroup', topic, [group]);
  }

  async setRetention(topic: string, retention: Retention): Promise<void> {
    this.assertOpen();
    assertTopic(topic);
    if (typeof retention !== 'object' || retention === null) throw invalidArgument('retention must be an object', { field: 'retention' });
    if (retention.maxAgeMs !== undefined) assertPositiveInt(retention.maxAgeMs, 'retention.maxAgeMs');
    if (retention.maxCount !== undefined) assertPositiveInt(retention.maxCount, 'retention.maxCount');
    await this.register(topic);
    await this.run('setRetention', topic, [retention.maxAgeMs ?? '', retention.maxCount ?? '']);
  }

  async applyRetention(): Promise<number> {
    this.assertOpen();
    const names = await this.call('listing topics', () => this.client.smembers(registryKey(this.options.prefix)));
    let removed = 0;
    for (const topic of names) {
      for (let after = 0, done = false; !done;) {
        const [count, next, finished] = await this.run('retention', topic, [this.now(), after, RETENTION_CHUNK]) as [number, number, number];
        removed += Number(count);
        after = Number(next);
        done = Number(finished) === 1;
      }
    }
    return removed;
  }

  async deleteEvent(topic: string, position: number): Promise<boolean> {
    this.assertOpen();
    assertTopic(topic);
    assertPositiveInt(position, 'position');
    if (position > MAX_POSITION) return false;
    return Number(await this.run('deleteEvent', topic, [position])) === 1;
  }

  async deleteTopic(topic: string): Promise<boolean> {
    this.assertOpen();
    assertTopic(topic);
    return Number(await this.run('deleteTopic', topic, [])) === 1;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.notifier.close();
    await this.client.quit().catch(() => this.client.disconnect());
  }

  private assertOpen(): void {
    if (this.closed) throw new HeraldError('HERALD_E_CLOSED', 'the log is closed');
  }

  private now(): number {
    return this.options.clock ? this.options.clock.now() : -1;
  }

  private stream(topic: string): string {
    return streamKey(this.options.prefix, topic);
  }

  private async startOf(topic: string, from: StartFrom): Promise<number> {
    return Number(await this.run('start', topic, startArgs(from)));
  }

  /** Adds the topic to the prefix's registry (what topics() lists), once per process. */
  private async register(topic: string): Promise<void> {
    if (this.registered.has(topic)) return;
    await this.call('registering the topic', () => this.client.sadd(registryKey(this.options.prefix), topic));
    this.registered.add(topic);
  }

  private run(script: ScriptName, topic: string, args: readonly (string | number)[]): Promise<unknown> {
    return this.call(script, () => SCRIPTS[script].run(this.client, this.stream(topic), args));
  }

  private async call<T>(doing: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (this.closed) throw new HeraldError('HERALD_E_CLOSED', 'the log is closed', { cause: error });
      throw fromRedis(error, doing);
    }
  }
}
