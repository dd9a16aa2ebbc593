import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import type { StandardSchemaV1 } from '@standard-schema/spec';
import { createEvent, type CloudEvent } from '../../../src/core/envelope.js';
import type { StreamTopic } from '../../../src/log/stream-checks.js';
import type { RecordedEvent, StreamLog } from '../../../src/log/streams.js';
import type { FakeClock } from '../fake-clock.js';
import { collect } from '../helpers.js';

/** A backend with streams under test. */
export interface StreamStoreTarget {
  /** A fresh, empty log each call. */
  open(options?: { streamTopic?: StreamTopic }): Promise<StreamLog>;
  /** The storage of the most recent `open()` again (durable backends); enables the persistence tests. */
  reopen?(): Promise<StreamLog>;
  /** The clock the backend was given; when present, max-age tests move it instead of sleeping. */
  clock?: FakeClock;
}

export interface Suite {
  name: string;
  target: StreamStoreTarget;
}

export type StreamTest = (log: StreamLog, t: TestContext) => Promise<void>;

/** The body of one `it`: a fresh log, always closed. */
export function withStreams(suite: Suite, body: StreamTest, options?: { streamTopic?: StreamTopic }): (t: TestContext) => Promise<void> {
  return async (t) => {
    const log = await suite.target.open(options);
    try {
      await body(log, t);
    } finally {
      await log.close();
    }
  };
}

let counter = 0;

/** A fresh event (`type` default `test.happened`) with data `{ n }`. */
export function ev(n: number, extra: { type?: string; key?: string } = {}): CloudEvent<{ n: number }> {
  counter++;
  return createEvent({ type: extra.type ?? 'test.happened', data: { n }, id: `s-${process.pid}-${counter}-${n}`, ...(extra.key === undefined ? {} : { key: extra.key }) });
}

export function evs(count: number, start = 1): CloudEvent<{ n: number }>[] {
  return Array.from({ length: count }, (_, i) => ev(start + i));
}

export async function readStream(log: StreamLog, stream: string, options?: Parameters<StreamLog['streams']['readStream']>[1]): Promise<RecordedEvent[]> {
  return collect(log.streams.readStream(stream, options));
}

export async function readAll(log: StreamLog, options?: Parameters<StreamLog['streams']['readAll']>[0]): Promise<RecordedEvent[]> {
  return collect(log.streams.readAll(options));
}

export const revisions = (events: readonly RecordedEvent[]): number[] => events.map((e) => e.revision);
export const globals = (events: readonly RecordedEvent[]): number[] => events.map((e) => e.globalPosition);
export const ns = (events: readonly { event: CloudEvent }[]): number[] => events.map((e) => (e.event.data as { n: number }).n);
export const range = (from: number, to: number): number[] => Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);

/** Fails unless `run` rejects with HERALD_E_WRONG_REVISION carrying these details. */
export async function expectWrongRevision(run: () => Promise<unknown>, stream: string, expectedRevision: unknown, actualRevision: number): Promise<void> {
  await assert.rejects(run, (error: Error & { code?: string; details?: Record<string, unknown>; retryable?: boolean }) => {
    assert.equal(error.code, 'HERALD_E_WRONG_REVISION', error.message);
    assert.deepEqual(error.details, { stream, expectedRevision, actualRevision });
    assert.equal(error.retryable, false);
    return true;
  });
}

/** A Standard Schema by hand (the conformance suite ships without a validator library). */
export function schema<T>(check: (value: unknown) => string | undefined): StandardSchemaV1<unknown, T> {
  return {
    '~standard': {
      version: 1,
      vendor: 'herald-conformance',
      validate: (value) => {
        const problem = check(value);
        return problem === undefined ? { value: value as T } : { issues: [{ message: problem, path: [] }] };
      },
    },
  };
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
