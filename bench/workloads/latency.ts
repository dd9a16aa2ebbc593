import { asError } from '../errors.js';
import { payload } from '../payload.js';
import type { Peer } from '../peers/types.js';
import { curve, percentile, round3, sorted } from '../stats.js';
import type { Measurement } from './types.js';

export interface LatencyParams {
  /** Offered rate, events/s. */
  rate: number;
  /** Measured part, after the warm-up. */
  durationMs: number;
  /** Sent at the same rate first, not counted. */
  warmupMs: number;
  /** How long to wait for stragglers after the last send. */
  drainMs: number;
  /** Unacknowledged publishes at most (events beyond it wait, and their wait is counted). */
  window: number;
}

/**
 * End-to-end latency (publish → handler entry) at a fixed offered rate, open loop: event i is
 * *scheduled* at start + i/rate and its latency is measured from that time, so a stall in the
 * system (or in the sender) is charged to every event it delays (no coordinated omission). The
 * sender spins on setImmediate so it leaves on time to within a few microseconds.
 * The figure is p99 (ms); p50, p99.9, max and a distribution curve go in `extra`.
 */
export async function latencyAtRate(peer: Peer, name: string, params: LatencyParams): Promise<Measurement> {
  const channel = await peer.channel(name, 'queue');
  try {
    const interval = 1000 / params.rate;
    const total = Math.round((params.rate * (params.warmupMs + params.durationMs)) / 1000);
    const warm = Math.round((params.rate * params.warmupMs) / 1000);
    const latency = new Float64Array(total).fill(NaN);
    let received = 0;
    let allIn: () => void = () => {};
    const arrived = new Promise<void>((resolve) => { allIn = resolve; });
    const consumer = await channel.consume({
      group: 'bench', inFlight: params.window,
      onEvent: (p) => {
        const now = performance.now();
        if (p.seq < total && Number.isNaN(latency[p.seq]!)) { latency[p.seq] = now - p.t; if (++received === total) allIn(); }
      },
    });
    const producer = await channel.producer();
    let sent = 0;
    let inFlight = 0;
    let maxLag = 0;
    let failure: unknown;
    const start = performance.now() + 5;
    await new Promise<void>((resolve) => {
      const tick = (): void => {
        const now = performance.now();
        const due = Math.min(total, Math.floor((now - start) / interval) + 1);
        while (sent < due && inFlight < params.window && failure === undefined) {
          const scheduled = start + sent * interval;
          maxLag = Math.max(maxLag, now - scheduled);
          inFlight++;
          producer.publish(payload(sent++, 0, scheduled)).then(() => { inFlight--; }, (error: unknown) => { failure ??= error; });
        }
        if (sent < total && failure === undefined) setImmediate(tick);
        else resolve();
      };
      tick();
    });
    const sendMs = performance.now() - start;
    const timer = setTimeout(allIn, params.drainMs);
    await arrived;
    clearTimeout(timer);
    await consumer.stop();
    await producer.close();
    if (failure !== undefined) throw asError(failure);
    const measured = latency.subarray(warm);
    const s = sorted(measured.filter((v) => !Number.isNaN(v)));
    const lost = measured.length - s.length;
    const p = (q: number): number => round3(percentile(s, q));
    return {
      value: p(0.99), events: s.length,
      extra: {
        p50: p(0.5), p99: p(0.99), p999: p(0.999), max: p(1), lost,
        offeredRate: params.rate, achievedRate: Math.round((sent * 1000) / sendMs), maxSendLagMs: round3(maxLag), curve: curve(s),
      },
    };
  } finally {
    await channel.close();
  }
}
