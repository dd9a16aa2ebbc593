import { within } from '../drive.js';
import type { Peer } from '../peers/types.js';
import { rate } from '../stats.js';
import { fill } from './consume.js';
import { since, type Measurement } from './types.js';

export interface ReplayParams {
  /** Events stored first (not measured), then read from the start. */
  events: number;
  repetitions: number;
  /** Time bound of the fill, and of each read. */
  fillMaxMs: number;
  maxMs: number;
}

/**
 * Replay: stores `events` once (a RabbitMQ stream queue, since a queue forgets what was acked),
 * then reads them all from the start `repetitions` times, each event decoded as a handler
 * would see it. One Measurement per repetition; a system without replay gives none.
 */
export async function replayThroughput(peer: Peer, name: string, params: ReplayParams): Promise<Measurement[]> {
  const channel = await peer.channel(name, 'log');
  try {
    if (!channel.replay) return [];
    const stored = await fill(channel, params.events, params.fillMaxMs);
    const runs: Measurement[] = [];
    for (let r = 0; r < params.repetitions; r++) {
      let sum = 0;
      const t0 = performance.now();
      const read = await within(params.maxMs, `${peer.label} replay`, channel.replay(stored, (p) => { sum += p.seq; }));
      const ms = since(t0);
      if (sum < 0) throw new Error('unreachable'); // keeps the decode from being optimised away
      runs.push({ value: rate(read, ms), events: read, ms, extra: { stored } });
    }
    return runs;
  } finally {
    await channel.close();
  }
}
