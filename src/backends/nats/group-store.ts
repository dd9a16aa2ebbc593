import { headers } from '@nats-io/transport-node';
import type { CloudEvent } from '../../core/envelope.js';
import { HeraldError } from '../../core/errors.js';
import { ERR, isApiError, type JetStreamApi } from './jetstream-api.js';
import { HEADER, type Layout } from './layout.js';
import type { ResolvedNatsOptions } from './options.js';
import type { TopicStore } from './topic-store.js';

export interface ConsumerInfo {
  name: string;
  config: { durable_name?: string };
  delivered: { stream_seq: number };
  ack_floor: { stream_seq: number };
  num_ack_pending: number;
  num_pending: number;
}

/** Where a new consumer starts: a sequence, or only what is appended from now on. */
export type StartSeq = number | 'new';

/**
 * A consumer group is a durable pull consumer (named after the group) on the topic's stream,
 * plus a second one on the group's subject of the redrive stream, which `requeue` writes to:
 * JetStream cannot hand one message to one consumer of a stream again, herald's redrive needs it.
 */
export class GroupStore {
  private readonly known = new Set<string>();
  private redriveReady = false;

  constructor(private readonly api: JetStreamApi, private readonly topics: TopicStore, private readonly layout: Layout, private readonly options: ResolvedNatsOptions) {}

  /** Creates the group at `start()` unless it exists (an existing group ignores `from`). */
  async ensure(stream: string, group: string, start: () => Promise<StartSeq>): Promise<void> {
    const id = `${stream}/${group}`;
    if (this.known.has(id)) return;
    if (!(await this.info(stream, group))) await this.create(stream, group, await start());
    if (!(await this.redriveInfo(stream, group))) await this.createRedrive(stream, group);
    this.known.add(id);
  }

  forget(stream: string, group: string): void { this.known.delete(`${stream}/${group}`); }

  /** Forgets every group of a stream (its topic was deleted). */
  forgetStream(stream: string): void {
    for (const id of [...this.known]) if (id.startsWith(`${stream}/`)) this.known.delete(id);
  }

  async create(stream: string, group: string, start: StartSeq): Promise<void> {
    const deliver = start === 'new' ? { deliver_policy: 'new' } : { deliver_policy: 'by_start_sequence', opt_start_seq: Math.max(1, start) };
    await this.createDurable(stream, { durable_name: group, ...this.common(), ...deliver });
  }

  async createRedrive(stream: string, group: string): Promise<void> {
    await this.ensureRedriveStream();
    await this.createDurable(this.layout.redriveStream, {
      durable_name: this.layout.redriveConsumer(stream, group), filter_subject: this.layout.redriveSubject(stream, group), deliver_policy: 'all', ...this.common(),
    });
  }

  private common(): Record<string, unknown> {
    return {
      ack_policy: 'explicit', ack_wait: this.options.ackWaitMs * 1e6, max_deliver: -1,
      max_ack_pending: this.options.maxAckPending, replay_policy: 'instant',
    };
  }

  async info(stream: string, group: string): Promise<ConsumerInfo | undefined> {
    return this.consumerInfo(stream, group);
  }

  async redriveInfo(stream: string, group: string): Promise<ConsumerInfo | undefined> {
    return this.consumerInfo(this.layout.redriveStream, this.layout.redriveConsumer(stream, group));
  }

  /** Every group (durable consumer) of a topic stream. */
  async list(stream: string): Promise<ConsumerInfo[]> {
    const out: ConsumerInfo[] = [];
    for (let offset = 0; ;) {
      const page = await this.api.call<{ total: number; consumers: ConsumerInfo[] | null }>(`CONSUMER.LIST.${stream}`, { offset });
      const consumers = page.consumers ?? [];
      out.push(...consumers.filter((c) => c.config.durable_name !== undefined));
      offset += consumers.length;
      if (consumers.length === 0 || offset >= page.total) return out;
    }
  }

  /** Forgets the group on the server: both consumers and its requeued events. */
  async delete(stream: string, group: string): Promise<void> {
    this.forget(stream, group);
    await this.deleteConsumer(stream, group);
    await this.deleteConsumer(this.layout.redriveStream, this.layout.redriveConsumer(stream, group));
    try {
      await this.api.call(`STREAM.PURGE.${this.layout.redriveStream}`, { filter: this.layout.redriveSubject(stream, group) });
    } catch (error) {
      if (!isApiError(error, ERR.streamNotFound)) throw error;
    }
  }

  /** Publishes `event` on the group's redrive subject, remembering its position. */
  /** Returns the redrive stream's sequence of the requeued event. */
  async requeue(stream: string, group: string, event: CloudEvent, position: number): Promise<number> {
    const h = headers();
    h.set(HEADER.position, String(position));
    h.set(HEADER.appendedAt, String(Date.now()));
    const [reply] = await this.api.many([{ subject: this.layout.redriveSubject(stream, group), data: JSON.stringify(event), headers: h }]);
    const ack = reply instanceof Error ? undefined : reply?.json<{ seq?: number; error?: { description: string } }>();
    if (!ack?.seq) throw new HeraldError('HERALD_E_UNAVAILABLE', `requeue to ${group} was not acknowledged: ${reply instanceof Error ? reply.message : ack?.error?.description ?? 'no answer'}`);
    return ack.seq;
  }

  private async ensureRedriveStream(): Promise<void> {
    if (this.redriveReady) return;
    const name = this.layout.redriveStream;
    await this.topics.ensureStream(this.topics.config(name, [`${this.layout.prefix}.redrive.>`]));
    this.redriveReady = true;
  }

  private async createDurable(stream: string, config: Record<string, unknown>): Promise<void> {
    try {
      await this.api.call(`CONSUMER.DURABLE.CREATE.${stream}.${String(config.durable_name)}`, { stream_name: stream, config });
    } catch (error) {
      // Another process created it with another start: the group exists, its start stands.
      if (!(error instanceof HeraldError && /already (exists|in use)/i.test(error.message))) throw error;
    }
  }

  private async deleteConsumer(stream: string, name: string): Promise<void> {
    try {
      await this.api.call(`CONSUMER.DELETE.${stream}.${name}`);
    } catch (error) {
      if (!isApiError(error, ERR.consumerNotFound) && !isApiError(error, ERR.streamNotFound)) throw error;
    }
  }

  private async consumerInfo(stream: string, name: string): Promise<ConsumerInfo | undefined> {
    try {
      return await this.api.call<ConsumerInfo>(`CONSUMER.INFO.${stream}.${name}`);
    } catch (error) {
      if (isApiError(error, ERR.consumerNotFound) || isApiError(error, ERR.streamNotFound)) return undefined;
      throw error;
    }
  }
}
