import type { Clock } from '../../core/clock.js';
import type { CloudEvent } from '../../core/envelope.js';
import {
  assertStreamName, checkReadAll, checkReadStream, classifyAppend, expectedOf, prepareStreamEvents, revisionConflict, streamDeleted,
  tombstoneOf, topicForStream, type FoundEvent, type StreamTopic,
} from '../stream-checks.js';
import { firstVisibleRevision, normaliseMetadata, oldestVisibleTime } from '../stream-metadata.js';
import {
  categoryOf, type DeleteStreamOptions, type ExpectedRevision, type ReadAllOptions, type ReadStreamOptions, type RecordedEvent,
  type StreamAppendOptions, type StreamAppendResult, type StreamInfo, type StreamMetadata, type StreamStore,
} from '../streams.js';
import type { AppendReceipt, StoredEvent } from '../types.js';
import { MemorySnapshots } from './memory-snapshots.js';

/** What MemoryStreams needs of its MemoryLog; every call runs synchronously, so each operation is atomic. */
export interface MemoryStreamHost {
  readonly clock: Clock;
  assertOpen(): void;
  /** A topic append, done now (validated as `append` validates). */
  appendNow(topic: string, events: readonly CloudEvent[]): AppendReceipt[];
  storedAt(topic: string, position: number): StoredEvent | undefined;
  /** The receipt of `id` while the topic still stores it. */
  receiptOf(topic: string, id: string): AppendReceipt | undefined;
}

interface Stream {
  name: string;
  topic: string;
  category: string;
  revision: number;
  deleted: StreamInfo['deleted'];
  softDeletedAt: number;
  metadata: StreamMetadata;
  /** `$all` position of each revision (index revision - 1). */
  globals: number[];
}

/** One `$all` entry: where the event is in its stream and on its topic. */
interface Entry {
  stream: Stream;
  revision: number;
  position: number;
}

/** The memory backend's streams: an index over topic events, with `$all` as an array. */
export class MemoryStreams implements StreamStore {
  readonly snapshots: MemorySnapshots;
  private readonly streams = new Map<string, Stream>();
  private readonly all: Entry[] = [];
  /** topic -> position -> entry, to tell a retried event from another stream's. */
  private readonly byPosition = new Map<string, Map<number, Entry>>();
  private readonly listeners = new Set<() => void>();

  constructor(private readonly host: MemoryStreamHost, private readonly streamTopic: StreamTopic = categoryOf) {
    this.snapshots = new MemorySnapshots(() => host.assertOpen());
  }

  /** Whether any stream's events live on `topic` (such a topic cannot be deleted under them). */
  usesTopic(topic: string): boolean {
    return (this.byPosition.get(topic)?.size ?? 0) > 0;
  }

  async appendToStream(stream: string, events: readonly CloudEvent[], options?: StreamAppendOptions): Promise<StreamAppendResult> {
    this.host.assertOpen();
    assertStreamName(stream);
    const expected = expectedOf(options);
    const prepared = prepareStreamEvents(stream, events);
    // Checked on every append, as sqlite does; an existing stream keeps the topic it was created on.
    const newTopic = topicForStream(stream, this.streamTopic);
    const s = this.streams.get(stream);
    if (s?.deleted === 'tombstone') throw streamDeleted(stream);
    const topic = s?.topic ?? newTopic;
    const ids = prepared.map((e) => e.id);
    const found = ids.map((id) => this.find(topic, id));
    if (classifyAppend(stream, topic, ids, found) === 'retry') return this.retried(stream, topic, ids, found);
    const conflict = revisionConflict(stream, s, expected);
    if (conflict) throw conflict;
    const receipts = this.host.appendNow(topic, prepared);
    if (receipts.length === 0) return { stream, revision: s?.revision ?? 0, globalPosition: s?.globals.at(-1) ?? 0, receipts };
    const target = s ?? this.create(stream, topic);
    let positions = this.byPosition.get(topic);
    if (!positions) this.byPosition.set(topic, (positions = new Map()));
    for (const receipt of receipts) {
      const entry: Entry = { stream: target, revision: ++target.revision, position: receipt.position };
      this.all.push(entry);
      target.globals.push(this.all.length);
      positions.set(receipt.position, entry);
    }
    target.deleted = 'no';
    queueMicrotask(() => this.listeners.forEach((l) => l()));
    return { stream, revision: target.revision, globalPosition: this.all.length, receipts };
  }

  async *readStream(stream: string, options?: ReadStreamOptions): AsyncIterable<RecordedEvent> {
    this.host.assertOpen();
    const o = checkReadStream(stream, options);
    const s = this.streams.get(stream);
    if (!s || s.deleted === 'tombstone') return;
    const first = firstVisibleRevision(s);
    const oldest = oldestVisibleTime(s.metadata, this.host.clock.now());
    const limit = o.limit ?? Infinity;
    const step = o.direction === 'forwards' ? 1 : -1;
    let revision = o.direction === 'forwards' ? Math.max(first, o.fromRevision ?? 1) : Math.min(s.revision, o.fromRevision ?? s.revision);
    for (let yielded = 0; yielded < limit && revision >= first && revision <= s.revision; revision += step) {
      const recorded = this.recorded(s.globals[revision - 1]!);
      if (!recorded || recorded.appendedAt < oldest) continue;
      yielded++;
      yield recorded;
    }
  }

  async *readAll(options?: ReadAllOptions): AsyncIterable<RecordedEvent> {
    this.host.assertOpen();
    const o = checkReadAll(options);
    const limit = o.limit ?? Infinity;
    const step = o.direction === 'forwards' ? 1 : -1;
    let global = o.direction === 'forwards' ? Math.max(1, o.fromPosition ?? 1) : Math.min(this.all.length, o.fromPosition ?? this.all.length);
    for (let yielded = 0; yielded < limit && global >= 1 && global <= this.all.length; global += step) {
      if (o.category !== undefined && this.all[global - 1]!.stream.category !== o.category) continue;
      const recorded = this.recorded(global);
      if (!recorded || (o.types && !o.types.includes(recorded.event.type))) continue;
      yielded++;
      yield recorded;
    }
  }

  async streamInfo(stream: string): Promise<StreamInfo | undefined> {
    this.host.assertOpen();
    assertStreamName(stream);
    const s = this.streams.get(stream);
    return s && { stream, revision: s.revision, topic: s.topic, deleted: s.deleted, softDeletedAt: s.softDeletedAt, metadata: structuredClone(s.metadata) };
  }

  async setStreamMetadata(stream: string, metadata: StreamMetadata, options?: { expectedRevision?: ExpectedRevision }): Promise<void> {
    this.host.assertOpen();
    assertStreamName(stream);
    const valid = normaliseMetadata(metadata);
    const s = this.checked(stream, expectedOf(options));
    (s ?? this.create(stream, topicForStream(stream, this.streamTopic))).metadata = valid;
  }

  async deleteStream(stream: string, options?: DeleteStreamOptions): Promise<void> {
    this.host.assertOpen();
    assertStreamName(stream);
    const tombstone = tombstoneOf(options);
    const s = this.checked(stream, expectedOf(options));
    this.snapshots.drop(stream);
    if (tombstone) {
      (s ?? this.create(stream, topicForStream(stream, this.streamTopic))).deleted = 'tombstone';
    } else if (s && s.deleted === 'no') {
      s.deleted = 'soft';
      s.softDeletedAt = s.revision;
    }
  }

  async headPosition(): Promise<number> {
    this.host.assertOpen();
    return this.all.length;
  }

  onAppendAll(listener: () => void): () => void {
    this.host.assertOpen();
    this.listeners.add(listener);
    return () => { this.listeners.delete(listener); };
  }

  /** The stream after checking `expected` (a tombstoned stream refuses everything). */
  private checked(stream: string, expected: ExpectedRevision): Stream | undefined {
    const s = this.streams.get(stream);
    const conflict = revisionConflict(stream, s, expected);
    if (conflict) throw conflict;
    return s;
  }

  private create(name: string, topic: string): Stream {
    const s: Stream = { name, topic, category: categoryOf(name), revision: 0, deleted: 'no', softDeletedAt: 0, metadata: {}, globals: [] };
    this.streams.set(name, s);
    return s;
  }

  private find(topic: string, id: string): FoundEvent {
    const receipt = this.host.receiptOf(topic, id);
    if (!receipt) return undefined;
    const entry = this.byPosition.get(topic)?.get(receipt.position);
    return { stream: entry?.stream.name, revision: entry?.revision ?? 0, globalPosition: entry ? entry.stream.globals[entry.revision - 1]! : 0 };
  }

  /** The original result of an append retried with the same event ids. */
  private retried(stream: string, topic: string, ids: readonly string[], found: readonly FoundEvent[]): StreamAppendResult {
    const receipts = ids.map((id) => ({ ...this.host.receiptOf(topic, id)!, duplicate: true }));
    const last = found.reduce((a, b) => (b!.revision > a!.revision ? b : a))!;
    return { stream, revision: last.revision, globalPosition: last.globalPosition, receipts };
  }

  private recorded(global: number): RecordedEvent | undefined {
    const entry = this.all[global - 1]!;
    const stored = this.host.storedAt(entry.stream.topic, entry.position);
    return stored && { ...structuredClone(stored), stream: entry.stream.name, revision: entry.revision, globalPosition: global };
  }
}
