import { asError } from './errors.js';
import { payload, type BenchPayload } from './payload.js';
import type { Producer } from './peers/types.js';

export interface DriveOptions {
  /** Events to publish. */
  count: number;
  /** Most publishes awaiting their ack at once. */
  window: number;
  /** Stop sending at this performance.now() time (what was sent is still awaited). */
  deadline: number;
  /** Producer index written into the payloads. */
  producer?: number;
  /** Makes the payload of event `seq` (default: `payload(seq, producer)`, stamped now). */
  make?: (seq: number) => BenchPayload;
}

/**
 * Publishes through `producer` keeping at most `window` publishes unacknowledged: each ack lets
 * the next event go (a closed loop, the usual way to measure acknowledged throughput). Resolves
 * to the number of events acked; rejects on the first failed publish.
 */
export function drive(producer: Producer, options: DriveOptions): Promise<number> {
  const make = options.make ?? ((seq: number) => payload(seq, options.producer ?? 0));
  let sent = 0;
  let acked = 0;
  let failed = false;
  return new Promise((resolve, reject) => {
    const stopped = (): boolean => sent >= options.count || performance.now() >= options.deadline;
    const pump = (): void => {
      while (!failed && sent - acked < options.window && !stopped()) {
        producer.publish(make(sent++)).then(onAck, onFail);
      }
      if (!failed && acked === sent && stopped()) resolve(acked);
    };
    const onAck = (): void => { acked++; pump(); };
    const onFail = (error: unknown): void => {
      if (failed) return;
      failed = true;
      reject(asError(error));
    };
    pump();
  });
}

/** Runs `work` against a deadline: rejects with a clear message when it takes longer than `ms`. */
export async function within<T>(ms: number, what: string, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${Math.round(ms / 1000)} s`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
