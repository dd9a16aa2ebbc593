/**
 * R14: one Herald publishes and consumes continuously while its backend stops answering for
 * `stallMs` (a black-holed proxy, or an embedded log made to hang), then answers again. Records
 * the watchdog's reports and log lines, when publishing and consuming resume, and a history
 * (test/reliability/history.ts) of every append and delivery, checked after a full read.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { createEvent } from '../../src/core/envelope.js';
import { HeraldError } from '../../src/core/errors.js';
import { Herald } from '../../src/herald.js';
import type { EventLog } from '../../src/log/types.js';
import type { StallReport } from '../../src/log/watchdog.js';
import { seededRandom } from '../crash/random.js';
import { check, History, type CheckResult } from './history.js';

export interface Fault {
  start(): void;
  heal(): void;
}

export interface StallRunOptions {
  log: EventLog;
  fault: Fault;
  seed: number;
  /** How long the backend does not answer (ms). */
  stallMs: number;
  /** The watchdog's threshold (ms). */
  stallAfterMs: number;
  /** How long publishing and consuming may take to resume after the heal before the run gives up (ms). */
  resumeTimeoutMs?: number;
  /** How long every stored event may take to reach the group after that (ms, default 60 s: above nats' 30 s ack_wait). */
  drainTimeoutMs?: number;
}

export interface StallRunResult {
  result: CheckResult;
  reports: (StallReport & { at: number })[];
  logLines: { level: string; msg: string | undefined }[];
  /** ms from the fault's start to the first `stalled` report (undefined: never reported). */
  detectedMs: number | undefined;
  /** ms from the heal to the first ack, the first delivery of an event published after the heal, the `resumed` report. */
  ackResumeMs: number | undefined;
  deliverResumeMs: number | undefined;
  resumedReportMs: number | undefined;
  /** ms from the heal until every stored event had been delivered (the producer runs on ~1 s after resuming). */
  drainMs: number | undefined;
  /** `stalled` reports before the fault started (must be none). */
  falseAlarms: number;
  /** The watchdog's status at the end. */
  stalledAtEnd: boolean;
  appendErrors: Record<string, number>;
  /** Keys delivered out of order to the group, allowed (and only counted) where the backend does not claim keyOrder. */
  groupReorders: number;
  acked: number;
  deliveries: number;
  /** The final full read failed (the backend did not come back). */
  readError: string | undefined;
  durationMs: number;
}

const TOPIC = 'r14.orders';
const GROUP = 'r14-group';
const KEYS = 8;

export async function stallRun(options: StallRunOptions): Promise<StallRunResult> {
  const { fault, seed, stallMs } = options;
  const random = seededRandom(seed);
  const history = new History();
  const reports: (StallReport & { at: number })[] = [];
  const logLines: { level: string; msg: string | undefined }[] = [];
  const appendErrors: Record<string, number> = {};
  const delivered = new Set<string>();
  const afterHeal = new Set<string>();
  let healedAt: number | undefined;
  let firstAckAfterHeal: number | undefined;
  let firstDeliveryAfterHeal: number | undefined;
  let acked = 0;
  let deliveries = 0;
  let producing = true;
  const started = Date.now();

  const herald = new Herald(options.log, 'r14', undefined, undefined, {
    stallAfter: options.stallAfterMs,
    onStall: (report) => reports.push({ ...report, at: Date.now() }),
    logger: { warn: (_o, msg) => logLines.push({ level: 'warn', msg }), info: (_o, msg) => logLines.push({ level: 'info', msg }) },
  });
  const sub = herald.subscribe(TOPIC, { group: GROUP, concurrency: 4, pollInterval: 50, lease: '30s', maxAttempts: 1000 }, (event, ctx) => {
    history.deliver(TOPIC, GROUP, { id: event.id, key: event.partitionkey ?? '', position: ctx.delivery.position });
    deliveries++;
    delivered.add(event.id);
    if (firstDeliveryAfterHeal === undefined && afterHeal.has(event.id)) firstDeliveryAfterHeal = Date.now();
  });

  const producer = async (): Promise<void> => {
    for (let n = 0; producing; n++) {
      const event = createEvent({ type: 'r14.test', id: `r14-${seed}-${n}`, key: `k${Math.floor(random() * KEYS)}`, data: { n } });
      history.invoke('producer', TOPIC, event.partitionkey ?? '', event.id);
      if (healedAt !== undefined) afterHeal.add(event.id);
      try {
        const receipt = await herald.publish(TOPIC, event);
        history.ok(event.id, receipt.position);
        acked++;
        if (healedAt !== undefined) firstAckAfterHeal ??= Date.now();
      } catch (error) {
        // Unknown outcome (a timeout may still have written it): the checker accepts it stored or not.
        history.info(event.id);
        const code = error instanceof HeraldError ? error.code : `other: ${(error as Error).message.slice(0, 80)}`;
        appendErrors[code] = (appendErrors[code] ?? 0) + 1;
        await sleep(50);
      }
      await sleep(5);
    }
  };

  const ackedIds = (): string[] => history.ops.flatMap((op) => (op.f === 'append' && op.type === 'ok' ? [op.id] : []));
  const until = async (done: () => boolean, ms: number): Promise<void> => {
    const deadline = Date.now() + ms;
    while (!done() && Date.now() < deadline) await sleep(20);
  };

  const running = producer();
  let faultAt = 0;
  try {
    await sleep(1000 + Math.floor(random() * 1000));
    faultAt = Date.now();
    fault.start();
    await sleep(stallMs);
    healedAt = Date.now();
    fault.heal();
    const resumeTimeout = options.resumeTimeoutMs ?? 60_000;
    await until(() => firstAckAfterHeal !== undefined && firstDeliveryAfterHeal !== undefined, resumeTimeout);
    // A backend that did not come back within the timeout gets short waits from here on.
    const wait = firstAckAfterHeal !== undefined && firstDeliveryAfterHeal !== undefined ? resumeTimeout : 5_000;
    await sleep(1000);
    producing = false;
    await within(running, wait);
    // Everything stored (acked, or of unknown outcome but written) must reach the group; an event
    // leased by a fetch whose answer was lost with its connection comes back only when that lease
    // ends (the subscription's 30 s; nats: ackWaitMs, 30 s), hence the longer drain.
    const stored: { position: number; id: string; key: string }[] = [];
    let readError: string | undefined = `the full read did not end within ${wait} ms`;
    const readAll = async (): Promise<void> => {
      try {
        for await (const s of herald.read(TOPIC)) stored.push({ position: s.position, id: s.event.id, key: s.event.partitionkey ?? '' });
        history.read(TOPIC, stored);
        readError = undefined;
      } catch (error) {
        readError = error instanceof Error ? error.message : String(error);
      }
    };
    await within(readAll(), wait);
    const ids = readError === undefined ? stored.map((e) => e.id) : ackedIds();
    const drainTimeout = wait === resumeTimeout ? (options.drainTimeoutMs ?? 60_000) : wait;
    await until(() => ids.every((id) => delivered.has(id)), drainTimeout);
    const drainedAt = wait === resumeTimeout && ids.every((id) => delivered.has(id)) ? Date.now() : undefined;
    await until(() => reports.at(-1)?.state === 'resumed', 5_000);
    const since = (from: number, at: number | undefined): number | undefined => (at === undefined ? undefined : at - from);
    const firstStalled = reports.find((r) => r.state === 'stalled');
    const resumed = reports.find((r) => r.state === 'resumed' && r.at >= healedAt!);
    const result = check(history.ops, { contiguous: options.log.capabilities.contiguousPositions });
    // A backend that does not claim per-key order in a group (nats) may deliver a key out of order.
    const unordered = result.anomalies.filter((a) => a.kind === 'reordered' && a.group !== undefined && !options.log.capabilities.keyOrder);
    result.anomalies = result.anomalies.filter((a) => !unordered.includes(a));
    result.counts.reordered -= unordered.length;
    return {
      result, groupReorders: unordered.length,
      reports, logLines,
      detectedMs: since(faultAt, firstStalled?.at),
      ackResumeMs: since(healedAt, firstAckAfterHeal),
      deliverResumeMs: since(healedAt, firstDeliveryAfterHeal),
      resumedReportMs: since(healedAt, resumed?.at),
      drainMs: since(healedAt, drainedAt),
      falseAlarms: reports.filter((r) => r.state === 'stalled' && r.at < faultAt).length,
      stalledAtEnd: herald.backendStatus()?.stalled ?? false,
      appendErrors, acked, deliveries, readError,
      durationMs: Date.now() - started,
    };
  } finally {
    producing = false;
    fault.heal();
    await within(running.catch(() => undefined), 5_000);
    // Bounded: on a backend that never came back, closing may wait for calls that never end.
    await within(sub.close({ timeout: 2000 }).catch(() => undefined), 5_000);
    await within(herald.close().catch(() => undefined), 10_000);
  }
}

/** Waits for `promise`, at most `ms` (its timer does not keep the process alive afterwards). */
async function within(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([promise, new Promise((resolve) => { timer = setTimeout(resolve, ms); })]);
  clearTimeout(timer);
}
