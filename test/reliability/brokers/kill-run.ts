/**
 * R10: a producer appends N events (W appends in flight) and a consumer group consumes them while
 * the broker is SIGKILLed and restarted K times. Every append that fails or times out is resent
 * with the same event (same id) until it is acked: the adapter's idempotent append must keep one
 * copy. The history (test/reliability/history.ts) gets invoke/ok/info per append and one deliver
 * per handled delivery, then a full read of the topic.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { subscribe } from '../../../src/consumer/subscribe.js';
import { createEvent, type CloudEvent } from '../../../src/core/envelope.js';
import { HeraldError } from '../../../src/core/errors.js';
import type { EventLog } from '../../../src/log/types.js';
import { publisher } from '../../../src/publisher.js';
import { seededRandom } from '../../crash/random.js';
import { check, History, type CheckResult } from '../history.js';
import type { Broker } from './broker.js';

export interface KillRunOptions {
  broker: Broker;
  /** Opens the adapter against `broker.url` (called twice: producer and consumer logs). */
  open: () => Promise<EventLog>;
  events: number;
  kills: number;
  seed: number;
  /** Appends in flight at once (default 32). */
  window?: number;
  /** How long one event may keep failing before its outcome is recorded as unknown (default 60 s). */
  giveUpMs?: number;
}

export interface KillRunResult {
  result: CheckResult;
  /** Per restart: ms from the broker accepting connections again to the first acked append after it. */
  reconnectMs: number[];
  /** Per restart: ms from the broker accepting connections again to the first delivery after it. */
  redeliverMs: number[];
  /** Failed append attempts by error code (each was resent). */
  appendErrors: Record<string, number>;
  deliveries: number;
  /** Deliveries of an id already delivered (at-least-once redeliveries). */
  redelivered: number;
  stored: number;
  durationMs: number;
}

const TOPIC = 'r10.orders';
const GROUP = 'r10-group';
const KEYS = 16;

export async function killRun(options: KillRunOptions): Promise<KillRunResult> {
  const { broker, events, kills, seed } = options;
  const window = options.window ?? 32;
  const giveUpMs = options.giveUpMs ?? 60_000;
  const random = seededRandom(seed);
  const history = new History();
  const appendErrors: Record<string, number> = {};
  const restarts: number[] = [];
  const firstAck: (number | undefined)[] = [];
  const firstDelivery: (number | undefined)[] = [];
  const deliveredIds = new Set<string>();
  let deliveries = 0;
  let redelivered = 0;
  let acked = 0;
  const started = Date.now();

  const producerLog = await options.open();
  const producer = publisher(producerLog, 'r10'); // herald's publish path (validation, then append)
  const consumerLog = await options.open();
  const since = (list: (number | undefined)[]): void => {
    const last = restarts.length - 1;
    if (last >= 0 && list[last] === undefined) list[last] = Date.now() - restarts[last]!;
  };

  const sub = subscribe(consumerLog, TOPIC, { group: GROUP, concurrency: 8, pollInterval: 50, lease: '10s', maxAttempts: 1000 }, (event, ctx) => {
    const key = event.partitionkey ?? '';
    history.deliver(TOPIC, GROUP, { id: event.id, key, position: ctx.delivery.position });
    deliveries++;
    if (deliveredIds.has(event.id)) redelivered++;
    deliveredIds.add(event.id);
    since(firstDelivery);
  });

  const appendOne = async (event: CloudEvent): Promise<void> => {
    const key = event.partitionkey ?? '';
    history.invoke('producer', TOPIC, key, event.id);
    const deadline = Date.now() + giveUpMs;
    for (let attempt = 1; ; attempt++) {
      try {
        const receipt = await producer.publish(TOPIC, event);
        history.ok(event.id, receipt.position);
        acked++;
        since(firstAck);
        return;
      } catch (error) {
        const code = error instanceof HeraldError ? error.code : `other: ${(error as Error).message.slice(0, 80)}`;
        appendErrors[code] = (appendErrors[code] ?? 0) + 1;
        if (process.env.HERALD_R10_VERBOSE && appendErrors[code] % 32 === 1) console.log(`R10 +${Date.now() - started} ms: ${(error as Error).message}`);
        // Unknown outcome: it may be stored. Resend the same event (same id) after a short backoff.
        if (Date.now() > deadline) { history.info(event.id); return; }
        await sleep(Math.min(1000, 20 * attempt));
      }
    }
  };

  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < events) {
      const n = next++;
      await appendOne(createEvent({ type: 'r10.test', id: `r10-${seed}-${n}`, key: `k${n % KEYS}`, data: { n } }));
    }
  };

  const killer = async (): Promise<void> => {
    for (let k = 1; k <= kills; k++) {
      const at = Math.floor((events * k) / (kills + 1));
      while (acked < at) await sleep(5);
      await broker.kill9();
      await sleep(200 + Math.floor(random() * 800)); // down for 0.2-1 s
      await broker.restart();
      restarts.push(Date.now());
      firstAck.push(undefined);
      firstDelivery.push(undefined);
    }
  };

  // HERALD_R10_VERBOSE=1: one progress line a second (to see where a stuck run stands).
  const progress = process.env.HERALD_R10_VERBOSE ? setInterval(() => {
    console.log(`R10 ${broker.name} +${Date.now() - started} ms: acked ${acked}, delivered ${deliveredIds.size}, errors ${JSON.stringify(appendErrors)}`);
  }, 1000) : undefined;
  try {
    await Promise.all([killer(), ...Array.from({ length: window }, worker)]);
    // Every acked event must reach the group; wait for the consumer to catch up.
    const ackedIds = history.ops.flatMap((op) => (op.f === 'append' && op.type === 'ok' ? [op.id] : []));
    const drainDeadline = Date.now() + 60_000;
    while (Date.now() < drainDeadline && !ackedIds.every((id) => deliveredIds.has(id))) await sleep(50);
    await sub.close({ timeout: 5000 });
    const stored = [];
    for await (const s of producerLog.read(TOPIC)) stored.push({ position: s.position, id: s.event.id, key: s.event.partitionkey ?? '' });
    history.read(TOPIC, stored);
    return {
      result: check(history.ops),
      reconnectMs: firstAck.map((ms) => ms ?? -1),
      redeliverMs: firstDelivery.map((ms) => ms ?? -1),
      appendErrors,
      deliveries,
      redelivered,
      stored: stored.length,
      durationMs: Date.now() - started,
    };
  } finally {
    clearInterval(progress);
    await sub.close({ timeout: 1000 }).catch(() => undefined);
    await producerLog.close().catch(() => undefined);
    await consumerLog.close().catch(() => undefined);
  }
}

/** Counts unhandled promise rejections while `body` runs (the test then asserts 0). */
export async function countingUnhandled<T>(body: () => Promise<T>): Promise<{ value: T; unhandled: unknown[] }> {
  const unhandled: unknown[] = [];
  const listener = (reason: unknown): void => { unhandled.push(reason); };
  process.on('unhandledRejection', listener);
  try {
    return { value: await body(), unhandled };
  } finally {
    await sleep(100);
    process.off('unhandledRejection', listener);
  }
}

export function envInt(name: string, fallback: number): number {
  const value = Number(process.env[name]);
  return Number.isInteger(value) && value > 0 ? value : fallback;
}
