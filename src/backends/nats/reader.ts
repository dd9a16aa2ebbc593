import type { NatsConnection } from '@nats-io/transport-node';
import { HeraldError } from '../../core/errors.js';
import { pageSize } from '../../log/validate.js';
import type { StoredEvent } from '../../log/types.js';
import { ERR, isApiError, type JetStreamApi } from './jetstream-api.js';
import { decodeStored, deliveryInfo } from './layout.js';
import { pull } from './puller.js';

/** How long a read waits for a replica to catch up (or a lost consumer to come back) before it fails. */
const CATCH_UP_MS = 30_000;

/** Tries at placing the read's consumer on the stream leader (an R1 consumer lands on a random replica). */
const PLACEMENT_TRIES = 40; // (2/3)^40 ≈ 1e-7 of missing the leader; 16 missed it in about 1 of 65 ten-read tests

interface ReadTarget {
  stream: string; subject: string; topic: string; start: number; end: number;
  /** The stream leader's server name when the read began (undefined: not clustered). */
  leader?: string;
}

/**
 * Streams a topic from `start` through an ephemeral consumer (no acks, memory state, removed at
 * the end or by the server when idle): one pull per page, never the backlog in memory.
 *
 * An empty page does not mean the end. An R1 consumer of a replicated stream may sit on a replica
 * that is still catching up after a restart (it serves its own, shorter copy), and a pull may time
 * out or find its consumer gone with a killed node (R11). So the read goes on to `end`, the
 * stream's last sequence when it began as its leader tells it; past an empty page it asks the
 * leader whether anything is left up to `end`, and if so makes a new consumer after the last
 * message seen and pulls again, failing with HERALD_E_UNAVAILABLE rather than stopping short.
 *
 * The consumer is placed on the stream leader when it can be: a replica that restarted may hold,
 * for a while, a copy that is not just short but different (R11 in CI read positions shifted by
 * two batches from a replica restarted seconds before: NATS 2.9 replica divergence). The server
 * picks an R1 consumer's replica at random and takes no placement, so the read makes consumers
 * until one lands on the leader (up to 40 tries; 1/3 each).
 */
export async function* readStream(
  nc: NatsConnection, api: JetStreamApi, target: ReadTarget, options: { limit?: number; types?: readonly string[] },
): AsyncIterable<StoredEvent> {
  const limit = options.limit ?? Infinity;
  let next = target.start;
  let yielded = 0;
  let stuckSince: number | undefined;
  let pause = 50;
  while (next <= target.end) {
    const consumer = await createReader(api, target, next);
    try {
      for (;;) {
        const { messages } = await pull(nc, target.stream, consumer, pageSize(options.limit === undefined ? undefined : limit - yielded + 64), api.timeoutMs);
        if (messages.length === 0) break;
        stuckSince = undefined;
        pause = 50;
        for (const msg of messages) {
          const info = deliveryInfo(msg.reply ?? '');
          if (!info) continue;
          next = info.streamSeq + 1;
          if (info.streamSeq > target.end) return; // appended after the read began: a later read sees it
          const stored = decodeStored(target.topic, info.streamSeq, msg, info.timestampNanos);
          if (options.types && !options.types.includes(stored.event.type)) continue;
          yield stored;
          if (++yielded >= limit) return;
        }
      }
    } finally {
      await api.call(`CONSUMER.DELETE.${target.stream}.${consumer}`).catch(() => undefined);
    }
    if (next > target.end || !(await leaderHasFrom(api, target, next))) return;
    stuckSince ??= Date.now();
    if (Date.now() - stuckSince > CATCH_UP_MS) {
      throw new HeraldError('HERALD_E_UNAVAILABLE', `read of ${target.topic} stopped at position ${next}: the stream holds events up to ${target.end} and no replica served them within ${CATCH_UP_MS} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, pause));
    pause = Math.min(pause * 2, 1_000);
  }
}

async function createReader(api: JetStreamApi, target: ReadTarget, start: number): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    const created = await api.call<{ name: string; cluster?: { leader?: string } }>(`CONSUMER.CREATE.${target.stream}`, {
      stream_name: target.stream,
      config: { ack_policy: 'none', deliver_policy: 'by_start_sequence', opt_start_seq: start, inactive_threshold: 60e9, mem_storage: true, num_replicas: 1 },
    });
    const on = created.cluster?.leader;
    if (target.leader === undefined || on === undefined || on === target.leader || attempt >= PLACEMENT_TRIES) return created.name;
    await api.call(`CONSUMER.DELETE.${target.stream}.${created.name}`).catch(() => undefined);
  }
}

/** Whether the stream's leader (not a direct get, which any replica may answer) holds a message in [from, end]. */
export async function leaderHasFrom(api: JetStreamApi, target: Pick<ReadTarget, 'stream' | 'subject' | 'end'>, from: number): Promise<boolean> {
  try {
    const { message } = await api.call<{ message: { seq: number } }>(`STREAM.MSG.GET.${target.stream}`, { seq: from, next_by_subj: target.subject });
    return message.seq <= target.end;
  } catch (error) {
    if (isApiError(error, ERR.noMessage)) return false;
    throw error;
  }
}
