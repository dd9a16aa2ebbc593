import { drive } from '../drive.js';
import type { Peer } from '../peers/types.js';
import { rate } from '../stats.js';
import { since, type Measurement } from './types.js';

export interface PublishParams {
  /** Events in all, split across the producers. */
  events: number;
  producers: number;
  /** Unacknowledged publishes per producer. */
  window: number;
  /** Time bound of the measured part. */
  maxMs: number;
}

/**
 * Durable acknowledged publish throughput: `producers` producers (each with its own connection;
 * herald's share the embedded log), each keeping `window` publishes in flight, until `events`
 * are acked or `maxMs` passed. A short warm-up (connections, stream creation) is not measured.
 */
export async function publishThroughput(peer: Peer, name: string, params: PublishParams): Promise<Measurement> {
  const channel = await peer.channel(name, 'queue');
  try {
    const producers = await Promise.all(Array.from({ length: params.producers }, () => channel.producer()));
    try {
      await Promise.all(producers.map((p, i) => drive(p, { count: 50, window: params.window, deadline: Infinity, producer: i })));
      const perProducer = Math.ceil(params.events / params.producers);
      const t0 = performance.now();
      const deadline = t0 + params.maxMs;
      const acked = await Promise.all(producers.map((p, i) => drive(p, { count: perProducer, window: params.window, deadline, producer: i })));
      const ms = since(t0);
      const events = acked.reduce((a, b) => a + b, 0);
      return { value: rate(events, ms), events, ms };
    } finally {
      await Promise.all(producers.map((p) => p.close()));
    }
  } finally {
    await channel.close();
  }
}
