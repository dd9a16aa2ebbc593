import { drive } from '../drive.js';
import type { Channel, Peer } from '../peers/types.js';
import { rate } from '../stats.js';
import type { Measurement } from './types.js';

export interface ConsumeParams {
  /** Backlog published before the consumer starts. */
  events: number;
  /** Deliveries held at once (prefetch / max ack pending / maxInFlight). */
  inFlight: number;
  /** Time bound of the fill and of the measured part, each. */
  maxMs: number;
}

/** Publishes `count` events with a window of 1,000 (not measured); resolves to how many were acked. */
export async function fill(channel: Channel, count: number, maxMs: number): Promise<number> {
  const producer = await channel.producer();
  try {
    return await drive(producer, { count, window: 1000, deadline: performance.now() + maxMs });
  } finally {
    await producer.close();
  }
}

/**
 * Consume throughput through a consumer group with acks: a backlog is filled first, then one
 * group member (the peer's idiomatic consumer) takes it all. The clock starts at the first
 * delivery and stops once the consumer has stopped and flushed its acks.
 */
export async function consumeThroughput(peer: Peer, name: string, params: ConsumeParams): Promise<Measurement> {
  const channel = await peer.channel(name, 'queue');
  try {
    const backlog = await fill(channel, params.events, params.maxMs);
    let got = 0;
    let t0 = 0;
    let finish: () => void = () => {};
    const finished = new Promise<void>((resolve) => { finish = resolve; });
    const consumer = await channel.consume({
      group: 'bench', inFlight: params.inFlight,
      onEvent: () => {
        if (got++ === 0) t0 = performance.now();
        if (got === backlog) finish();
      },
    });
    const timer = setTimeout(finish, params.maxMs);
    await finished;
    clearTimeout(timer);
    await consumer.stop();
    const ms = got > 0 ? performance.now() - t0 : NaN;
    return { value: rate(got, ms), events: got, ms, extra: { backlog } };
  } finally {
    await channel.close();
  }
}
