import type { CloudEvent } from '../core/envelope.js';
import { HeraldError, invalidArgument } from '../core/errors.js';
import { assertEventAt } from './event-at.js';
import { assertPositiveInt, assertTopic } from './names.js';
import {
  categoryOf, type DeleteStreamOptions, type ExpectedRevision, type ReadAllOptions, type ReadStreamOptions,
  type StreamAppendOptions, type StreamInfo,
} from './streams.js';

/**
 * The rules every StreamStore applies the same way (memory and sqlite share them): names,
 * expected revisions, metadata, what a reader may see, and how a repeated event id is treated.
 */

const MAX_NAME = 200;

/** C0 and C1 control characters, and DEL. */
function hasControl(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) return true;
  }
  return false;
}

/** Maps a stream to the topic its events land on (default: its category). */
export type StreamTopic = (stream: string) => string;

function shown(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** 1-200 characters, no control characters, not starting with `$` (reserved: `$all`). */
export function assertStreamName(value: unknown, field = 'stream'): asserts value is string {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_NAME || hasControl(value) || value.startsWith('$')) {
    throw invalidArgument(`${field} must be 1-${MAX_NAME} characters without control characters, not starting with '$', got ${shown(value)}`, { field });
  }
}

export function assertNonNegativeInt(value: unknown, field: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw invalidArgument(`${field} must be an integer >= 0, got ${shown(value)}`, { field });
  }
}

export function assertExpectedRevision(value: unknown, field = 'expectedRevision'): asserts value is ExpectedRevision {
  if (value === 'no_stream' || value === 'stream_exists' || value === 'any') return;
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return;
  throw invalidArgument(`${field} must be 'no_stream', 'stream_exists', 'any' or a revision >= 0, got ${shown(value)}`, { field });
}

function optionsObject<T extends object>(options: T | undefined, field = 'options'): Partial<T> {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null) throw invalidArgument(`${field} must be an object`, { field });
  return options;
}

/** The expected revision of an append, delete or metadata change (default `any`). */
export function expectedOf(options: StreamAppendOptions | DeleteStreamOptions | undefined): ExpectedRevision {
  const expected = optionsObject(options).expectedRevision;
  if (expected === undefined) return 'any';
  assertExpectedRevision(expected, 'expectedRevision');
  return expected;
}

/** `options.tombstone` of a delete (default false). */
export function tombstoneOf(options: DeleteStreamOptions | undefined): boolean {
  const tombstone = optionsObject(options).tombstone;
  if (tombstone === undefined) return false;
  if (typeof tombstone !== 'boolean') throw invalidArgument('tombstone must be a boolean', { field: 'tombstone' });
  return tombstone;
}

/** The topic of a new stream; refuses a mapping to an invalid topic name. */
export function topicForStream(stream: string, streamTopic: StreamTopic = categoryOf): string {
  const topic = streamTopic(stream);
  try {
    assertTopic(topic);
  } catch {
    throw invalidArgument(`stream ${shown(stream)} maps to topic ${shown(topic)}, which is not a valid topic name: name streams <category>-<id> with a category of letters, digits, '.', '_' or '-', or give the log a streamTopic option`, { field: 'stream' });
  }
  return topic;
}

export function assertStreamTopicOption(streamTopic: unknown): asserts streamTopic is StreamTopic | undefined {
  if (streamTopic !== undefined && typeof streamTopic !== 'function') throw invalidArgument('streamTopic must be a function of the stream name', { field: 'streamTopic' });
}

/**
 * Validates an append's events exactly as a topic append does, refuses an id given twice (each
 * event takes one revision), and keys each event without a `partitionkey` by its stream, so
 * consumers of the topic keep the stream's order.
 */
export function prepareStreamEvents(stream: string, events: readonly CloudEvent[]): CloudEvent[] {
  if (!Array.isArray(events)) throw invalidArgument('events must be an array of CloudEvents', { field: 'events' });
  const ids = new Set<string>();
  return events.map((event: unknown, index) => {
    assertEventAt(event, index);
    if (ids.has(event.id)) throw invalidArgument(`event ${index}: id ${shown(event.id)} appears twice in one append`, { field: `events[${index}].id`, index });
    ids.add(event.id);
    return event.partitionkey === undefined ? { ...event, partitionkey: stream } : event;
  });
}

export function streamDeleted(stream: string): HeraldError {
  return new HeraldError('HERALD_E_STREAM_DELETED', `stream ${shown(stream)} was tombstoned; it can never be written again`, { details: { stream } });
}

/** What a store knows of a stream when it checks an expected revision; undefined: never written. */
export interface StreamState {
  revision: number;
  deleted: StreamInfo['deleted'];
}

/**
 * The error for an operation that expects `expected` of a stream in `state`, or undefined when it
 * may go on. `no_stream` matches a stream never written (or holding only metadata) or soft-deleted;
 * `stream_exists` the others; a number the current revision (which a soft delete keeps).
 */
export function revisionConflict(stream: string, state: StreamState | undefined, expected: ExpectedRevision): HeraldError | undefined {
  if (state?.deleted === 'tombstone') return streamDeleted(stream);
  const revision = state?.revision ?? 0;
  const absent = state === undefined || revision === 0 || state.deleted === 'soft';
  const ok = expected === 'any' || (expected === 'no_stream' ? absent : expected === 'stream_exists' ? !absent : expected === revision);
  if (ok) return undefined;
  const soft = state?.deleted === 'soft' ? ' (soft-deleted)' : '';
  return new HeraldError('HERALD_E_WRONG_REVISION', `stream ${shown(stream)} is at revision ${revision}${soft}, expected ${String(expected)}`, {
    details: { stream, expectedRevision: expected, actualRevision: revision },
  });
}

function assertDirection(direction: unknown): void {
  if (direction !== undefined && direction !== 'forwards' && direction !== 'backwards') {
    throw invalidArgument(`direction must be 'forwards' or 'backwards', got ${shown(direction)}`, { field: 'direction' });
  }
}

export function checkReadStream(stream: unknown, options: ReadStreamOptions | undefined): Required<Pick<ReadStreamOptions, 'direction'>> & ReadStreamOptions {
  assertStreamName(stream);
  const o = optionsObject(options);
  assertDirection(o.direction);
  if (o.fromRevision !== undefined) assertNonNegativeInt(o.fromRevision, 'fromRevision');
  if (o.limit !== undefined) assertPositiveInt(o.limit, 'limit');
  return { ...o, direction: o.direction ?? 'forwards' };
}

export function checkReadAll(options: ReadAllOptions | undefined): Required<Pick<ReadAllOptions, 'direction'>> & ReadAllOptions {
  const o = optionsObject(options);
  assertDirection(o.direction);
  if (o.fromPosition !== undefined) assertNonNegativeInt(o.fromPosition, 'fromPosition');
  if (o.limit !== undefined) assertPositiveInt(o.limit, 'limit');
  if (o.category !== undefined) assertStreamName(o.category, 'category');
  if (o.types !== undefined && (!Array.isArray(o.types) || !o.types.every((t) => typeof t === 'string'))) {
    throw invalidArgument('types must be an array of event types', { field: 'types' });
  }
  return { ...o, direction: o.direction ?? 'forwards' };
}

/** Where an appended event id is already stored on the stream's topic. */
export type FoundEvent = undefined | { stream: string | undefined; revision: number; globalPosition: number };

/**
 * Classifies an append by where its ids already are: `fresh` (none stored), `retry` (all of them
 * are this stream's events: an exact retry, answered with the original result and nothing
 * written). Anything else is refused: an id stored outside this stream, or a mix of old and new.
 */
export function classifyAppend(stream: string, topic: string, ids: readonly string[], found: readonly FoundEvent[]): 'fresh' | 'retry' {
  const stored = found.filter((f) => f !== undefined).length;
  if (stored === 0) return 'fresh';
  for (let i = 0; i < found.length; i++) {
    const f = found[i];
    if (f !== undefined && f.stream !== stream) {
      throw invalidArgument(`event ${i}: id ${shown(ids[i])} is already stored on topic ${topic}${f.stream === undefined ? '' : ` as an event of stream ${shown(f.stream)}`}; an event belongs to one stream`, { field: `events[${i}].id`, index: i });
    }
  }
  if (stored < found.length) {
    const i = found.findIndex((f) => f !== undefined);
    throw invalidArgument(`event ${i}: id ${shown(ids[i])} is already in stream ${shown(stream)} but other events of this append are not: an append is all new events or an exact retry`, { field: `events[${i}].id`, index: i });
  }
  return 'retry';
}

/** Deleting a topic would pull the events out from under its streams: refused. */
export function streamsOnTopic(topic: string): HeraldError {
  return new HeraldError('HERALD_E_INVALID_ARGUMENT', `topic ${topic} holds the events of event-sourced streams: delete or tombstone the streams, not the topic`, { details: { field: 'topic', topic } });
}
