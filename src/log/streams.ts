import type { CloudEvent } from '../core/envelope.js';
import type { AppendReceipt, EventLog, StoredEvent } from './types.js';

/**
 * Event-sourced streams (`order-123`) stored in the same log as topics: an event appended to a
 * stream is also appended, in the same transaction, to the stream's topic, so subscribers and
 * projections see it. Revisions count a stream's events from 1 (0 = the stream has none yet).
 */

/**
 * What the caller believes the stream's revision is: `no_stream` (never written, or deleted),
 * `stream_exists` (has at least one event), `any` (no check), or the exact current revision.
 */
export type ExpectedRevision = 'no_stream' | 'stream_exists' | 'any' | number;

export interface StreamAppendOptions {
  /** Default `any`. A mismatch throws HERALD_E_WRONG_REVISION carrying `actualRevision`. */
  expectedRevision?: ExpectedRevision;
}

export interface StreamAppendResult {
  stream: string;
  /** The stream's revision after the append (the last appended event's revision). */
  revision: number;
  /** `$all` position of the last appended event. */
  globalPosition: number;
  /** Where each event landed on the stream's topic. */
  receipts: AppendReceipt[];
}

/** A stored stream event: where it is on its topic, in its stream and in `$all`. */
export interface RecordedEvent<T = unknown> extends StoredEvent<T> {
  stream: string;
  revision: number;
  globalPosition: number;
}

export interface ReadStreamOptions {
  /** Default `forwards`. */
  direction?: 'forwards' | 'backwards';
  /** First revision returned (inclusive, >= 0); default the start (forwards) or the end (backwards). */
  fromRevision?: number;
  limit?: number;
}

export interface ReadAllOptions {
  direction?: 'forwards' | 'backwards';
  /** First `$all` position returned (inclusive); default the start (forwards) or the end (backwards). */
  fromPosition?: number;
  limit?: number;
  /** Only streams of this category (`order` for `order-*`). */
  category?: string;
  types?: readonly string[];
}

/** Stream metadata, enforced on read (EventStoreDB-style): events outside it are not returned. */
export interface StreamMetadata {
  maxAgeMs?: number;
  maxCount?: number;
  /** Events with a revision below this are not returned (truncation). */
  truncateBefore?: number;
  /** Application-defined fields, kept as given. */
  custom?: Record<string, unknown>;
}

export interface StreamInfo {
  stream: string;
  /** Current revision (0 when empty). Continues after a soft delete. */
  revision: number;
  topic: string;
  /** `soft`: hidden until appended to again; `tombstone`: gone for good, appends are refused. */
  deleted: 'no' | 'soft' | 'tombstone';
  /** The revision the stream had when it was last soft-deleted (0 if never): events up to it stay hidden. */
  softDeletedAt: number;
  metadata: StreamMetadata;
}

export interface DeleteStreamOptions {
  expectedRevision?: ExpectedRevision;
  /** A tombstoned stream can never be written again (HERALD_E_STREAM_DELETED). */
  tombstone?: boolean;
}

export interface StreamStore {
  /** Appends atomically with an optimistic concurrency check; the events also land on `topicOf(stream)`. */
  appendToStream(stream: string, events: readonly CloudEvent[], options?: StreamAppendOptions): Promise<StreamAppendResult>;
  readStream(stream: string, options?: ReadStreamOptions): AsyncIterable<RecordedEvent>;
  /** Every stream event in `$all` order (a commit order that never changes once read). */
  readAll(options?: ReadAllOptions): AsyncIterable<RecordedEvent>;
  streamInfo(stream: string): Promise<StreamInfo | undefined>;
  setStreamMetadata(stream: string, metadata: StreamMetadata, options?: { expectedRevision?: ExpectedRevision }): Promise<void>;
  deleteStream(stream: string, options?: DeleteStreamOptions): Promise<void>;
  /** Last `$all` position (0 when empty). */
  headPosition(): Promise<number>;
  /** Called after stream events are committed by this process; returns an unsubscribe. */
  onAppendAll(listener: () => void): () => void;
  /** Where the backend keeps aggregate snapshots, when it does (memory and sqlite). */
  readonly snapshots?: SnapshotStore;
}

/** A stream's folded state at `revision`, saved to shorten later loads. */
export interface StreamSnapshot {
  revision: number;
  /** The state as JSON-compatible data. */
  state: unknown;
  /** The state's shape version (a snapshot of another version is ignored). */
  version: number;
}

/**
 * One snapshot per stream: the one of the highest revision saved (an older one saved later is
 * ignored). A cache: losing one costs a longer load, nothing else. Deleting a stream (soft or
 * tombstone) drops its snapshot.
 */
export interface SnapshotStore {
  loadSnapshot(stream: string): Promise<StreamSnapshot | undefined>;
  saveSnapshot(stream: string, snapshot: StreamSnapshot): Promise<void>;
}

/** A log that also keeps streams (memory and sqlite; the remote client over the server). */
export interface StreamLog extends EventLog {
  readonly streams: StreamStore;
}

export function hasStreams(log: EventLog): log is StreamLog {
  return typeof (log as Partial<StreamLog>).streams === 'object' && (log as Partial<StreamLog>).streams !== null;
}

/** A stream's category: what precedes its first `-` (`order-123` → `order`); the whole name if none. */
export function categoryOf(stream: string): string {
  const dash = stream.indexOf('-');
  return dash <= 0 ? stream : stream.slice(0, dash);
}
