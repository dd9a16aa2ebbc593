import type { Msg } from '@nats-io/transport-node';
import type { CloudEvent } from '../../core/envelope.js';
import { HeraldError } from '../../core/errors.js';
import { atIndex } from '../../log/event-at.js';
import type { AppendReceipt } from '../../log/types.js';
import type { JetStreamApi } from './jetstream-api.js';
import { appendedAtOf, encodeEvent, type Layout } from './layout.js';
import type { TopicStore } from './topic-store.js';

interface PubAck { stream?: string; seq?: number; duplicate?: boolean; error?: { description: string } }

/**
 * Appends on the pipelined path: every event of a batch is published at once with its own reply
 * subject, acks are matched as they arrive. `Nats-Msg-Id` = event id makes a retry a duplicate
 * (within the stream's duplicate window). JetStream 2.9 has no atomic batch: a batch that fails
 * half-way throws HERALD_E_UNAVAILABLE naming what was confirmed stored (`details.stored`) and
 * what is unknown (`details.failed`: maybe stored); appending it again is safe.
 */
export class Appender {
  /** The latest append time per topic seen by this process: append times never go back. */
  private readonly lastAt = new Map<string, number>();

  constructor(private readonly api: JetStreamApi, private readonly topics: TopicStore, private readonly layout: Layout) {}

  async append(topic: string, events: readonly CloudEvent[]): Promise<AppendReceipt[]> {
    const stream = await this.topics.ensure(topic);
    const subject = this.layout.subject(topic);
    const appendedAt = Math.max(Date.now(), this.lastAt.get(topic) ?? await this.seedLastAt(topic, stream, subject));
    this.lastAt.set(topic, appendedAt);
    const requests = events.map((event, index) => {
      try {
        return { subject, ...encodeEvent(event, appendedAt) };
      } catch (error) {
        throw atIndex(error, index);
      }
    });
    const replies = await this.api.many(requests);
    const receipts: (AppendReceipt | undefined)[] = [];
    const failed: { index: number; id: string; reason: string }[] = [];
    const firstOfId = new Map<string, AppendReceipt>();
    const lookups: Promise<void>[] = [];
    replies.forEach((reply, index) => {
      const id = events[index]!.id;
      const ack = reply instanceof Error ? { error: { description: reply.message } } : reply.json<PubAck>();
      if (ack.error || ack.seq === undefined) { failed.push({ index, id, reason: ack.error?.description ?? 'no sequence' }); return; }
      const earlier = firstOfId.get(id);
      if (!ack.duplicate) {
        const receipt = { topic, id, position: ack.seq, appendedAt, duplicate: false };
        firstOfId.set(id, receipt);
        receipts[index] = receipt;
      } else if (earlier && earlier.position === ack.seq) {
        receipts[index] = { ...earlier, duplicate: true };
      } else {
        const position = ack.seq;
        lookups.push(this.topics.messageFrom(stream, subject, position).then((msg?: Msg) => {
          const at = msg && Number(msg.headers?.get('Nats-Sequence')) === position ? appendedAtOf(msg) : appendedAt;
          receipts[index] = { topic, id, position, appendedAt: at, duplicate: true };
        }));
      }
    });
    if (lookups.length > 0) await Promise.all(lookups);
    if (failed.length > 0) {
      const stored = receipts.flatMap((r, index) => (r ? [{ index, id: r.id, position: r.position }] : []));
      throw new HeraldError('HERALD_E_UNAVAILABLE',
        `append to ${topic}: ${failed.length} of ${events.length} events were not acknowledged (first: event ${failed[0]!.index}, ${failed[0]!.reason}); `
        + `whether they were stored is unknown (an append can be written and its acknowledgement lost)`
        + `${stored.length > 0 ? `, ${stored.length} were confirmed stored` : ''}. `
        + 'Appending the batch again with the same ids is safe: ids already stored are not written twice.',
        { details: { topic, stored, failed } });
    }
    return receipts as AppendReceipt[];
  }

  /** The topic was deleted: its next append starts from what is stored then. */
  forget(topic: string): void {
    this.lastAt.delete(topic);
  }

  /** This process's first append to a topic starts from the stored last append time. */
  private async seedLastAt(topic: string, stream: string, subject: string): Promise<number> {
    const info = await this.topics.info(topic);
    const last = info?.state.last_seq ?? 0;
    if (last === 0) return 0;
    const msg = await this.topics.messageFrom(stream, subject, last);
    return msg ? appendedAtOf(msg) : 0;
  }
}
