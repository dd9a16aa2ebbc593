import type { CloudEvent } from '../../core/envelope.js';
import { rejectWith } from '../../core/errors.js';
import {
  assertStreamName, expectedOf, prepareStreamEvents, revisionConflict, tombstoneOf, topicForStream,
} from '../../log/stream-checks.js';
import { assertSnapshot, normaliseMetadata } from '../../log/stream-metadata.js';
import {
  categoryOf, type DeleteStreamOptions, type ExpectedRevision, type ReadAllOptions, type ReadStreamOptions, type RecordedEvent,
  type SnapshotStore, type StreamAppendOptions, type StreamAppendResult, type StreamInfo, type StreamMetadata, type StreamSnapshot, type StreamStore,
} from '../../log/streams.js';
import { Paged } from './paged.js';
import type { StreamHost } from './stream-host.js';
import { AllPages, StreamPages } from './stream-reads.js';
import { DELETED, infoOf, prepareStreamStatements, type StreamRow, type StreamStatements } from './stream-statements.js';
import type { StreamPart } from './append-request.js';
import { ensureTopic } from './topics.js';

/**
 * Streams on the sqlite log. Appends ride the group commit (see StreamWriter): the revision check,
 * the topic rows and the stream index rows share one transaction, and the append resolves after
 * the sync that covers it, as a topic append does. Metadata changes and deletes are their own
 * transactions, also durable before they resolve.
 */
export class SqliteStreams implements StreamStore {
  readonly snapshots: SnapshotStore;
  private readonly listeners = new Set<() => void>();
  private prepared: StreamStatements | undefined;

  constructor(private readonly host: StreamHost) {
    this.snapshots = new SqliteSnapshots(host, () => this.statements);
  }

  /** Prepared the first time streams are used (a log that never uses them never pays for them). */
  get statements(): StreamStatements {
    return (this.prepared ??= prepareStreamStatements(this.host.engine.db));
  }

  /** Not `async`, like SqliteLog.append; errors still come back as rejections. */
  appendToStream(stream: string, events: readonly CloudEvent[], options?: StreamAppendOptions): Promise<StreamAppendResult> {
    try {
      this.host.assertWritable();
      assertStreamName(stream);
      const expected = expectedOf(options);
      const prepared = prepareStreamEvents(stream, events);
      const topic = topicForStream(stream, this.host.streamTopic);
      const part: StreamPart = { name: stream, category: categoryOf(stream), expected, revision: 0, globalPosition: 0 };
      return this.host.appends.append(topic, prepared, this.host.clock.now(), part)
        .then((receipts) => ({ stream, revision: part.revision, globalPosition: part.globalPosition, receipts }));
    } catch (error) {
      return rejectWith(error);
    }
  }

  readStream(stream: string, options?: ReadStreamOptions): AsyncIterable<RecordedEvent> {
    return new Paged(new StreamPages(this.host, this.statements, stream, options));
  }

  readAll(options?: ReadAllOptions): AsyncIterable<RecordedEvent> {
    return new Paged(new AllPages(this.host, this.statements, options));
  }

  async streamInfo(stream: string): Promise<StreamInfo | undefined> {
    assertStreamName(stream);
    this.host.beforeRead();
    const row = this.host.engine.read(() => this.statements.byName.get(stream), `reading stream ${stream}`);
    return row && infoOf(row);
  }

  async setStreamMetadata(stream: string, metadata: StreamMetadata, options?: { expectedRevision?: ExpectedRevision }): Promise<void> {
    this.host.assertWritable();
    assertStreamName(stream);
    const json = JSON.stringify(normaliseMetadata(metadata));
    const expected = expectedOf(options);
    await this.host.write(() => {
      const row = this.checked(stream, expected);
      this.statements.setMetadata.run(json, row?.id ?? this.create(stream));
    }, `setting metadata of stream ${stream}`);
    await this.host.durable();
  }

  async deleteStream(stream: string, options?: DeleteStreamOptions): Promise<void> {
    this.host.assertWritable();
    assertStreamName(stream);
    const expected = expectedOf(options);
    const tombstone = tombstoneOf(options);
    await this.host.write(() => {
      const st = this.statements;
      const row = this.checked(stream, expected);
      st.dropSnapshot.run(stream);
      if (tombstone) st.tombstone.run(row?.id ?? this.create(stream));
      else if (row) st.softDelete.run(row.id);
    }, `deleting stream ${stream}`);
    await this.host.durable();
  }

  async headPosition(): Promise<number> {
    this.host.beforeRead();
    return this.host.engine.read(() => this.statements.head.get()!, 'reading the $all head');
  }

  onAppendAll(listener: () => void): () => void {
    this.host.assertOpen();
    this.listeners.add(listener);
    return () => { this.listeners.delete(listener); };
  }

  /** After a commit that added stream events. */
  notify(): void {
    if (this.listeners.size > 0) queueMicrotask(() => this.listeners.forEach((l) => l()));
  }

  /** The stream's row after checking `expected` (in the caller's transaction). */
  private checked(stream: string, expected: ExpectedRevision): StreamRow | undefined {
    const row = this.statements.byName.get(stream);
    const conflict = revisionConflict(stream, row && { revision: row.revision, deleted: DELETED[row.deleted] }, expected);
    if (conflict) throw conflict;
    return row;
  }

  /** A stream row with no events yet (metadata or a tombstone set before the first append). */
  private create(stream: string): number {
    const topicId = ensureTopic(this.host.engine.ctx, topicForStream(stream, this.host.streamTopic));
    return this.statements.insert.get(stream, categoryOf(stream), topicId)!.id;
  }
}

/** Snapshots in the log's file: a cache, so saving one does not wait for a sync. */
class SqliteSnapshots implements SnapshotStore {
  constructor(private readonly host: StreamHost, private readonly statements: () => StreamStatements) {}

  async loadSnapshot(stream: string): Promise<StreamSnapshot | undefined> {
    assertStreamName(stream);
    this.host.beforeRead();
    const row = this.host.engine.read(() => this.statements().loadSnapshot.get(stream), `loading the snapshot of ${stream}`);
    return row && { revision: row.revision, version: row.version, state: JSON.parse(row.state) as unknown };
  }

  async saveSnapshot(stream: string, snapshot: StreamSnapshot): Promise<void> {
    this.host.assertWritable();
    const valid = assertSnapshot(stream, snapshot);
    const { revision, version } = valid.snapshot;
    await this.host.write(() => this.statements().saveSnapshot.run(valid.stream, revision, version, valid.json), `saving the snapshot of ${stream}`);
  }
}
