import type { NatsConnection } from '@nats-io/transport-node';
import { pageSize } from '../../log/validate.js';
import type { StoredEvent } from '../../log/types.js';
import type { JetStreamApi } from './jetstream-api.js';
import { decodeStored, deliveryInfo } from './layout.js';
import { pull } from './puller.js';

/**
 * Streams a topic from `start` through an ephemeral consumer (no acks, memory state, removed at
 * the end or by the server when idle): one pull per page, never the backlog in memory.
 */
export async function* readStream(
  nc: NatsConnection, api: JetStreamApi, stream: string, topic: string, start: number, options: { limit?: number; types?: readonly string[] },
): AsyncIterable<StoredEvent> {
  const limit = options.limit ?? Infinity;
  const created = await api.call<{ name: string }>(`CONSUMER.CREATE.${stream}`, {
    stream_name: stream,
    config: { ack_policy: 'none', deliver_policy: 'by_start_sequence', opt_start_seq: start, inactive_threshold: 60e9, mem_storage: true, num_replicas: 1 },
  });
  try {
    let yielded = 0;
    for (;;) {
      const { messages } = await pull(nc, stream, created.name, pageSize(options.limit === undefined ? undefined : limit - yielded + 64), api.timeoutMs);
      if (messages.length === 0) return;
      for (const msg of messages) {
        const info = deliveryInfo(msg.reply ?? '');
        if (!info) continue;
        const stored = decodeStored(topic, info.streamSeq, msg, info.timestampNanos);
        if (options.types && !options.types.includes(stored.event.type)) continue;
        yield stored;
        if (++yielded >= limit) return;
      }
    }
  } finally {
    await api.call(`CONSUMER.DELETE.${stream}.${created.name}`).catch(() => undefined);
  }
}
