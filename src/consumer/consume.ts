import { keyOf, type CloudEvent } from '../core/envelope.js';
import { toMillis, type Duration } from '../core/duration.js';
import { assertGroup, assertTopic } from '../log/names.js';
import type { Delivery, EventLog, SettleOutcome, StartFrom } from '../log/types.js';
import { toFailureInfo } from './failure.js';
import { assertCapabilities, type Capability } from './requirements.js';

export interface ConsumeOptions {
  group: string;
  from?: StartFrom;
  /** Deliveries fetched at once (default 64). */
  batch?: number;
  lease?: Duration;
  pollInterval?: Duration;
  signal?: AbortSignal;
  /** Guarantees the loop relies on: see SubscribeOptions.requires. */
  requires?: readonly Capability[];
}

export interface Message<T = unknown> {
  readonly event: CloudEvent<T>;
  readonly delivery: Omit<Delivery, 'event'>;
  ack(): Promise<SettleOutcome>;
  /** Fails this attempt; it comes back after `delay`. Later events of its key wait for it. */
  nack(options?: { delay?: Duration; error?: unknown }): Promise<SettleOutcome>;
}

/**
 * Consumer-group messages as an async iterator: `for await (const m of consume(...)) { ...; await m.ack() }`.
 * Breaking out of the loop gives back what was fetched but not yet yielded.
 */
export async function* consume<T = unknown>(log: EventLog, topic: string, options: ConsumeOptions): AsyncGenerator<Message<T>> {
  assertTopic(topic);
  assertGroup(options.group);
  assertCapabilities(log, options.requires, options.from);
  const leaseMs = toMillis(options.lease ?? 30_000, 'lease');
  const pollMs = toMillis(options.pollInterval ?? 250, 'pollInterval');
  let wake: (() => void) | undefined;
  const unlisten = log.onAppend(topic, () => wake?.());
  const onAbort = (): void => wake?.();
  options.signal?.addEventListener('abort', onAbort);
  let batch: Delivery[] = [];
  try {
    while (!options.signal?.aborted) {
      batch = await log.fetch(topic, options.group, { max: options.batch ?? 64, leaseMs, from: options.from ?? 'earliest' });
      if (batch.length === 0) {
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, pollMs);
          wake = () => { clearTimeout(t); resolve(); };
        });
        wake = undefined;
        continue;
      }
      const parkedKeys = new Set<string>();
      while (batch.length > 0) {
        const d = batch.shift()!;
        const key = keyOf(d.event);
        if (key !== undefined && parkedKeys.has(key)) {
          await log.settle(topic, options.group, [{ kind: 'release', position: d.position, leaseId: d.leaseId }]);
          continue;
        }
        yield toMessage<T>(log, d, () => { if (key !== undefined) parkedKeys.add(key); });
      }
    }
  } finally {
    unlisten();
    options.signal?.removeEventListener('abort', onAbort);
    if (batch.length > 0) {
      await log.settle(topic, options.group, batch.map((d) => ({ kind: 'release' as const, position: d.position, leaseId: d.leaseId })));
    }
  }
}

function toMessage<T>(log: EventLog, d: Delivery, onNack: () => void): Message<T> {
  const { event, ...delivery } = d;
  const settleOne = async (s: Parameters<EventLog['settle']>[2][number]): Promise<SettleOutcome> =>
    (await log.settle(d.topic, d.group, [s]))[0] ?? 'stale';
  return {
    event: event as CloudEvent<T>,
    delivery,
    ack: () => settleOne({ kind: 'ack', position: d.position, leaseId: d.leaseId }),
    nack: (options = {}) => {
      onNack();
      const s = { kind: 'nack' as const, position: d.position, leaseId: d.leaseId, delayMs: toMillis(options.delay ?? 0, 'delay') };
      return settleOne(options.error === undefined ? s : { ...s, error: toFailureInfo(options.error) });
    },
  };
}
