import type { CloudEvent } from '../../core/envelope.js';
import {
  assertStreamName, expectedOf, prepareStreamEvents, tombstoneOf, topicForStream, type StreamTopic,
} from '../../log/stream-checks.js';
import { assertSnapshot, normaliseMetadata } from '../../log/stream-metadata.js';
import {
  categoryOf, type DeleteStreamOptions, type ExpectedRevision, type ReadAllOptions, type ReadStreamOptions, type RecordedEvent,
  type SnapshotStore, type StreamAppendOptions, type StreamAppendResult, type StreamInfo, type StreamMetadata, type StreamSnapshot, type StreamStore,
} from '../../log/streams.js';
import type { Db, Sql } from './db.js';
import type { Notifier } from './notifier.js';
import { appendStream } from './stream-append.js';
import { readAllPages, readStreamPages } from './stream-reads.js';
import { checked, findStream, infoOf, lockStream, type StreamRow } from './stream-rows.js';
import type { Topics } from './topics.js';

/** The notifier key of `$all` (no topic name starts with `$`). */
const ALL = '$all';

export interface PostgresStreamHost {
  readonly db: Db;
  readonly topics: Topics;
  readonly notifier: Notifier;
  readonly streamTopic: StreamTopic | undefined;
  assertOpen(): void;
}

/**
 * Streams on the PostgreSQL log, safe for many processes: every write holds the stream's row
 * lock; appends write topic rows, `$all` positions and index rows in one transaction (see
 * stream-append.ts), durable at COMMIT. Within one process, appends to one stream run one after
 * another in call order (they would queue on the row lock anyway).
 */
export class PostgresStreams implements StreamStore {
  readonly snapshots: SnapshotStore;
  private readonly tails = new Map<string, Promise<unknown>>();

  constructor(private readonly host: PostgresStreamHost) {
    this.snapshots = new PostgresSnapshots(host);
  }

  async appendToStream(stream: string, events: readonly CloudEvent[], options?: StreamAppendOptions): Promise<StreamAppendResult> {
    this.host.assertOpen();
    assertStreamName(stream);
    const expected = expectedOf(options);
    const prepared = prepareStreamEvents(stream, events);
    const topic = topicForStream(stream, this.host.streamTopic);
    const result = await this.inOrder(stream, async () => {
      const topicId = await this.host.topics.ensure(topic);
      return appendStream(this.host.db, { stream, topic, topicId, expected, events: prepared });
    });
    if (result.receipts.some((r) => !r.duplicate)) this.appended(result.receipts[0]!.topic);
    return result;
  }

  readStream(stream: string, options?: ReadStreamOptions): AsyncIterable<RecordedEvent> {
    return this.open(() => readStreamPages(this.host.db, stream, options));
  }

  readAll(options?: ReadAllOptions): AsyncIterable<RecordedEvent> {
    return this.open(() => readAllPages(this.host.db, options));
  }

  async streamInfo(stream: string): Promise<StreamInfo | undefined> {
    this.host.assertOpen();
    assertStreamName(stream);
    const row = await this.host.db.session(`reading stream ${stream}`, (sql) => findStream(sql, this.host.db.s, stream));
    return row && infoOf(row);
  }

  async setStreamMetadata(stream: string, metadata: StreamMetadata, options?: { expectedRevision?: ExpectedRevision }): Promise<void> {
    this.host.assertOpen();
    assertStreamName(stream);
    const json = JSON.stringify(normaliseMetadata(metadata));
    const expected = expectedOf(options);
    await this.write(stream, expected, `setting metadata of stream ${stream}`, async (sql, s, row, create) => {
      const id = row?.id ?? (await create()).id;
      await sql.query(`UPDATE ${s}.streams SET metadata = $2 WHERE id = $1`, [id, json]);
    });
  }

  async deleteStream(stream: string, options?: DeleteStreamOptions): Promise<void> {
    this.host.assertOpen();
    assertStreamName(stream);
    const expected = expectedOf(options);
    const tombstone = tombstoneOf(options);
    await this.write(stream, expected, `deleting stream ${stream}`, async (sql, s, row, create) => {
      await sql.query(`DELETE FROM ${s}.snapshots WHERE stream = $1`, [stream]);
      if (tombstone) {
        const id = row?.id ?? (await create()).id;
        await sql.query(`UPDATE ${s}.streams SET deleted = 2 WHERE id = $1`, [id]);
      } else if (row) {
        await sql.query(`UPDATE ${s}.streams SET deleted = 1, soft_deleted_at = revision WHERE id = $1 AND deleted = 0`, [row.id]);
      }
    });
  }

  async headPosition(): Promise<number> {
    this.host.assertOpen();
    const [row] = await this.host.db.query<{ head: number }>(`SELECT head FROM ${this.host.db.s}.all_head`, [], 'reading the $all head');
    return row?.head ?? 0;
  }

  /** Wakes listeners of this process at once and, by NOTIFY after the commit, those of other processes. */
  onAppendAll(listener: () => void): () => void {
    this.host.assertOpen();
    return this.host.notifier.add(ALL, listener);
  }

  private appended(topic: string): void {
    const { notifier } = this.host;
    notifier.local(topic);
    notifier.local(ALL);
    notifier.announce(topic);
    notifier.announce(ALL);
  }

  /** Runs `work` after this process's earlier appends to `stream` settled. */
  private inOrder<T>(stream: string, work: () => Promise<T>): Promise<T> {
    const run = (this.tails.get(stream) ?? Promise.resolve()).then(work);
    const tail = run.catch(() => undefined);
    this.tails.set(stream, tail);
    void tail.then(() => { if (this.tails.get(stream) === tail) this.tails.delete(stream); });
    return run;
  }

  /**
   * A metadata change or delete: one transaction holding the stream's row lock, after the revision
   * check; `create` makes the row of a stream never written. Its topic is made before the
   * transaction (on another pooled connection, never while this one waits).
   */
  private async write(
    stream: string, expected: ExpectedRevision, doing: string,
    work: (sql: Sql, s: string, row: StreamRow | undefined, create: () => Promise<StreamRow>) => Promise<void>,
  ): Promise<void> {
    const { db, topics, streamTopic } = this.host;
    const known = await db.session(doing, (sql) => findStream(sql, db.s, stream));
    const topicId = known ? known.topic_id : await topics.ensure(topicForStream(stream, streamTopic));
    await db.tx(doing, async (sql) => {
      const row = checked(stream, await lockStream(sql, db.s, stream), expected);
      const create = async (): Promise<StreamRow> => (await lockStream(sql, db.s, stream, { topicId, category: categoryOf(stream) }))!;
      await work(sql, db.s, row, create);
    });
  }

  private open(read: () => AsyncGenerator<RecordedEvent>): AsyncIterable<RecordedEvent> {
    const host = this.host;
    return (async function* () {
      host.assertOpen();
      for await (const recorded of read()) {
        host.assertOpen();
        yield recorded;
      }
    })();
  }
}

/** Snapshots in the `snapshots` table: a cache, the later revision wins whichever saver comes last. */
class PostgresSnapshots implements SnapshotStore {
  constructor(private readonly host: PostgresStreamHost) {}

  async loadSnapshot(stream: string): Promise<StreamSnapshot | undefined> {
    this.host.assertOpen();
    assertStreamName(stream);
    const { db } = this.host;
    const [row] = await db.query<StreamSnapshot>(`SELECT revision, version, state FROM ${db.s}.snapshots WHERE stream = $1`, [stream], `loading the snapshot of ${stream}`);
    return row && { revision: row.revision, version: row.version, state: row.state };
  }

  async saveSnapshot(stream: string, snapshot: StreamSnapshot): Promise<void> {
    this.host.assertOpen();
    const valid = assertSnapshot(stream, snapshot);
    const { db } = this.host;
    await db.query(`
      INSERT INTO ${db.s}.snapshots (stream, revision, version, state) VALUES ($1, $2, $3, $4)
      ON CONFLICT (stream) DO UPDATE SET revision = EXCLUDED.revision, version = EXCLUDED.version, state = EXCLUDED.state
      WHERE EXCLUDED.revision >= snapshots.revision`, [valid.stream, valid.snapshot.revision, valid.snapshot.version, valid.json], `saving the snapshot of ${stream}`);
  }
}
