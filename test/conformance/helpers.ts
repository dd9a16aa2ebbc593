import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { createEvent, type CloudEvent } from '../../src/core/envelope.js';
import type { ErrorCode } from '../../src/core/errors.js';
import type { Capabilities, Delivery, EventLog, FetchOptions, StoredEvent } from '../../src/log/types.js';
import type { FakeClock } from './fake-clock.js';

/** A backend under test. */
export interface ConformanceTarget {
  name: string;
  /** A fresh, empty log each call. */
  open(): Promise<EventLog>;
  /** The storage of the most recent `open()` again (durable backends); enables the durability tests. */
  reopen?(): Promise<EventLog>;
  /** The clock the backend was given; when present, tests move time with it instead of sleeping. */
  clock?: FakeClock;
}

export type Capability = keyof Capabilities;

/** Time as a test sees it: the target's fake clock, or real time (sleeping) when it has none. */
export interface Timing {
  readonly fake: boolean;
  now(): number;
  advance(ms: number): Promise<void>;
  /** A lease short enough to let it expire in a test. */
  readonly shortLease: number;
  /** A pause that separates two append times clearly. */
  readonly gap: number;
}

/** A lease no test outlives. */
export const LONG_LEASE = 3_600_000;

export function timing(target: ConformanceTarget): Timing {
  const clock = target.clock;
  if (clock) {
    return { fake: true, now: () => clock.now(), advance: async (ms) => clock.advance(ms), shortLease: 30_000, gap: 1_000 };
  }
  return {
    fake: false,
    now: () => Date.now(),
    // A few ms of slack: the backend reads its own clock.
    advance: (ms) => new Promise((resolve) => setTimeout(resolve, ms + 5)),
    shortLease: 400,
    gap: 25,
  };
}

export type LogTest = (log: EventLog, t: TestContext) => Promise<void>;

/**
 * The body of one `it`: opens a fresh log, skips the test (naming the missing capability) when
 * the backend does not declare every capability in `needs`, and always closes the log.
 */
export function withLog(target: ConformanceTarget, needs: readonly Capability[], body: LogTest): (t: TestContext) => Promise<void> {
  return async (t) => {
    const log = await target.open();
    try {
      const missing = needs.filter((c) => !log.capabilities[c]);
      if (missing.length > 0) {
        t.skip(`${log.backend} does not declare capability ${missing.map((c) => `'${c}'`).join(', ')}`);
        return;
      }
      await body(log, t);
    } finally {
      await log.close();
    }
  };
}

/** Skip reason for a test that needs `target.clock`, or false. */
export function needsClock(target: ConformanceTarget): string | false {
  return target.clock ? false : `${target.name} has no injectable clock (target.clock)`;
}

export interface TestData { n: number }

/** `count` events of `type` with data `{ n }` (n from `start`) and the key `key(n)`. */
export function makeEvents(
  count: number,
  options: { start?: number; key?: (n: number) => string | undefined; type?: (n: number) => string } = {},
): CloudEvent<TestData>[] {
  const start = options.start ?? 0;
  return Array.from({ length: count }, (_, i) => {
    const n = start + i;
    const key = options.key?.(n);
    return createEvent<TestData>({ type: options.type?.(n) ?? 'test.happened', data: { n }, ...(key === undefined ? {} : { key }) });
  });
}

export function keyed(key: string, n: number): CloudEvent<TestData> {
  return createEvent<TestData>({ type: 'test.happened', key, data: { n } });
}

export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

export const positions = (items: readonly { position: number }[]): number[] => items.map((i) => i.position);

export const dataOf = (items: readonly (StoredEvent | Delivery)[]): number[] => items.map((i) => (i.event.data as TestData).n);

/**
 * Fails unless `run` throws (or rejects with) a herald error `code`; with `field`, the error must
 * name it in its message and in `details.field`. `what` prefixes the failure message.
 */
export async function expectError(
  run: () => unknown, code: ErrorCode, field?: string, what?: string,
): Promise<Error & { code: string; details?: Record<string, unknown> }> {
  let caught: unknown;
  try {
    await run();
  } catch (error) {
    caught = error;
  }
  const expected = `${what === undefined ? '' : `${what}: `}expected ${code}${field === undefined ? '' : ` naming '${field}'`}`;
  assert.ok(caught !== undefined, `${expected}, but nothing was thrown`);
  assert.ok(caught instanceof Error, `${expected}, got a non-Error: ${JSON.stringify(caught)}`);
  const error = caught as Error & { code?: unknown; details?: Record<string, unknown> };
  assert.equal(error.code, code, `${expected}, got ${String(error.code)}: ${error.message}`);
  if (field !== undefined) {
    assert.ok(error.message.includes(field), `${expected}: the message ${JSON.stringify(error.message)} does not name it`);
    assert.equal(error.details?.field, field, `${expected}: details.field of ${JSON.stringify(error.message)}`);
  }
  return error as Error & { code: string; details?: Record<string, unknown> };
}

export async function fetch(log: EventLog, topic: string, group: string, options: Partial<FetchOptions> = {}): Promise<Delivery[]> {
  return log.fetch(topic, group, { max: 100, leaseMs: LONG_LEASE, ...options });
}

/** Acks `deliveries` and asserts each ack was accepted. */
export async function ack(log: EventLog, topic: string, group: string, deliveries: readonly Delivery[]): Promise<void> {
  if (deliveries.length === 0) return;
  const outcomes = await log.settle(topic, group, deliveries.map((d) => ({ kind: 'ack' as const, position: d.position, leaseId: d.leaseId })));
  assert.deepEqual(outcomes, deliveries.map(() => 'ok'), `acks of ${positions(deliveries).join(',')}`);
}

/** Fetches and acks until the group has nothing more to give; returns every delivery. */
export async function consumeAll(log: EventLog, topic: string, group: string, options: Partial<FetchOptions> = {}): Promise<Delivery[]> {
  const all: Delivery[] = [];
  for (;;) {
    const batch = await fetch(log, topic, group, options);
    if (batch.length === 0) return all;
    await ack(log, topic, group, batch);
    all.push(...batch);
  }
}

/** Strictly increasing; `1, 2, 3...` from `first` when the backend declares contiguous positions. */
export function assertPositions(log: EventLog, actual: readonly number[], first: number, what: string): void {
  for (let i = 1; i < actual.length; i++) {
    assert.ok(actual[i]! > actual[i - 1]!, `${what}: positions must increase, got ${actual.join(',')}`);
  }
  if (log.capabilities.contiguousPositions) {
    assert.deepEqual(actual, actual.map((_, i) => first + i), `${what}: contiguous positions from ${first}`);
  }
}

export const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
