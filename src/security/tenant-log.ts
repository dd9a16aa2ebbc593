import type { CloudEvent } from '../core/envelope.js';
import { HeraldError } from '../core/errors.js';
import type {
  AppendReceipt, Capabilities, Delivery, EventLog, FetchOptions, GroupInfo, ReadOptions, Retention,
  SettleOutcome, Settlement, StartFrom, StoredEvent, TopicInfo,
} from '../log/types.js';
import { TenantNames } from './tenants.js';
import { TenantStreams } from './tenant-streams.js';
import { renameDeadLetterTopic } from '../log/dead-letters.js';
import { isDeadLetterTopic } from '../log/names.js';
import { hasStreams, type StreamStore } from '../log/streams.js';

/**
 * One tenant's view of a shared EventLog: every topic it names is mapped into its namespace
 * (`<tenant>__<topic>`), every topic it is shown is mapped back, and listings hold only its
 * own topics and groups. Errors are rewritten so they name topics as the tenant knows them.
 * `close()` closes only this view: the shared log belongs to whoever opened it.
 */
export class TenantLog implements EventLog {
  readonly names: TenantNames;
  private closed = false;
  private streamView: TenantStreams | undefined;

  constructor(private readonly inner: EventLog, tenant: string) {
    this.names = new TenantNames(tenant);
  }

  /** The tenant's streams (see TenantStreams), when the shared log keeps streams. */
  get streams(): StreamStore | undefined {
    if (!hasStreams(this.inner)) return undefined;
    return (this.streamView ??= new TenantStreams(this.inner.streams, this.names, () => this.check()));
  }

  get tenant(): string {
    return this.names.tenant;
  }

  get backend(): string {
    return this.inner.backend;
  }

  get fetchesInFlight(): number | undefined {
    return this.inner.fetchesInFlight;
  }

  /** A tenant's view cannot run a handler inside the backend's transaction. */
  get capabilities(): Capabilities {
    return { ...this.inner.capabilities, transactionalAck: false };
  }

  private check(): void {
    if (this.closed) throw new HeraldError('HERALD_E_CLOSED', `the view of tenant ${this.tenant} was closed`);
  }

  private async call<R>(work: () => Promise<R>): Promise<R> {
    this.check();
    try {
      return await work();
    } catch (error) {
      throw this.names.rewrite(error);
    }
  }

  private scope(topic: string): string {
    return this.names.scope(topic);
  }

  append(topic: string, events: readonly CloudEvent[]): Promise<AppendReceipt[]> {
    return this.call(async () => (await this.inner.append(this.scope(topic), events)).map((r) => ({ ...r, topic })));
  }

  async *read(topic: string, options?: ReadOptions): AsyncIterable<StoredEvent> {
    const name = await this.call(async () => this.scope(topic));
    try {
      const dlq = isDeadLetterTopic(topic);
      for await (const e of this.inner.read(name, options)) {
        yield { ...e, topic, ...(dlq ? { event: renameDeadLetterTopic(e.event, (t) => this.names.owns(t) ? this.names.unscope(t) : t) } : {}) };
      }
    } catch (error) {
      throw this.names.rewrite(error);
    }
  }

  fetch(topic: string, group: string, options: FetchOptions): Promise<Delivery[]> {
    return this.call(async () => (await this.inner.fetch(this.scope(topic), group, options)).map((d) => ({ ...d, topic })));
  }

  settle(topic: string, group: string, settlements: readonly Settlement[]): Promise<SettleOutcome[]> {
    return this.call(() => this.inner.settle(this.scope(topic), group, settlements));
  }

  requeue(topic: string, group: string, event: CloudEvent, position: number): Promise<void> {
    return this.call(() => this.inner.requeue(this.scope(topic), group, event, position));
  }

  onAppend(topic: string, listener: () => void): () => void {
    this.check();
    try {
      return this.inner.onAppend(this.scope(topic), listener);
    } catch (error) {
      throw this.names.rewrite(error);
    }
  }

  private own = (info: TopicInfo): TopicInfo => ({ ...info, topic: this.names.unscope(info.topic) });

  topics(): Promise<TopicInfo[]> {
    return this.call(async () => (await this.inner.topics()).filter((t) => this.names.owns(t.topic)).map(this.own));
  }

  topicInfo(topic: string): Promise<TopicInfo | undefined> {
    return this.call(async () => {
      const info = await this.inner.topicInfo(this.scope(topic));
      return info && this.own(info);
    });
  }

  groups(topic?: string): Promise<GroupInfo[]> {
    return this.call(async () => {
      const all = await (topic === undefined ? this.inner.groups() : this.inner.groups(this.scope(topic)));
      return all.filter((g) => this.names.owns(g.topic)).map((g) => ({ ...g, topic: this.names.unscope(g.topic) }));
    });
  }

  resetGroup(topic: string, group: string, to: StartFrom): Promise<void> {
    return this.call(() => this.inner.resetGroup(this.scope(topic), group, to));
  }

  deleteGroup(topic: string, group: string): Promise<void> {
    return this.call(() => this.inner.deleteGroup(this.scope(topic), group));
  }

  setRetention(topic: string, retention: Retention): Promise<void> {
    return this.call(() => this.inner.setRetention(this.scope(topic), retention));
  }

  /**
   * Applies retention (to the whole log: it only removes what each topic's retention allows)
   * and answers how many of this tenant's events went, without counting other tenants'.
   */
  applyRetention(): Promise<number> {
    return this.call(async () => {
      const before = await this.topics();
      await this.inner.applyRetention();
      const after = new Map((await this.topics()).map((t) => [t.topic, t]));
      return before.reduce((sum, b) => {
        const a = after.get(b.topic);
        // What was there, plus what was appended meanwhile, minus what is there now.
        return sum + (a === undefined ? b.count : b.count + (a.head - b.head) - a.count);
      }, 0);
    });
  }

  deleteEvent(topic: string, position: number): Promise<boolean> {
    return this.call(() => this.inner.deleteEvent(this.scope(topic), position));
  }

  /** Present when the inner log can delete topics. */
  get deleteTopic(): ((topic: string) => Promise<boolean>) | undefined {
    const inner = this.inner;
    if (!inner.deleteTopic) return undefined;
    return (topic) => this.call(() => inner.deleteTopic!(this.scope(topic)));
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
