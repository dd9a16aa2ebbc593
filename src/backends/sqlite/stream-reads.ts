import { checkReadAll, checkReadStream } from '../../log/stream-checks.js';
import { firstVisibleRevision, oldestVisibleTime } from '../../log/stream-metadata.js';
import type { ReadAllOptions, ReadStreamOptions, RecordedEvent } from '../../log/streams.js';
import { pageSize } from '../../log/validate.js';
import type { PageSource } from './paged.js';
import { checkStreamRow, damagedIndex, decodeRow } from './row-check.js';
import { infoOf, type AllEventTuple, type StreamEventTuple, type StreamStatements } from './stream-statements.js';
import type { StreamHost } from './stream-host.js';

/**
 * One stream, a page of rows per query, with its metadata applied: revisions from the first
 * visible one (soft delete, truncateBefore, maxCount, as of the start of the read) and nothing
 * appended before now - maxAgeMs. Forwards it follows the stream as it grows.
 */
export class StreamPages implements PageSource<StreamEventTuple, RecordedEvent> {
  limit = Infinity;
  private forwards = true;
  private streamId = 0;
  private topic = '';
  private next = 0;
  private first = 1;
  private oldest = 0;
  private size = 512;
  private lastGlobal = 0;

  constructor(private readonly host: StreamHost, private readonly st: StreamStatements, private readonly stream: string, private readonly options: ReadStreamOptions | undefined) {}

  start(): boolean {
    const o = checkReadStream(this.stream, this.options);
    this.host.beforeRead();
    const row = this.host.engine.read(() => this.st.byName.get(this.stream), `reading stream ${this.stream}`);
    if (!row || row.deleted === 2) return false;
    const info = infoOf(row);
    this.limit = o.limit ?? Infinity;
    this.size = pageSize(o.limit);
    this.forwards = o.direction === 'forwards';
    this.streamId = row.id;
    this.topic = row.topic;
    this.first = firstVisibleRevision(info);
    this.oldest = oldestVisibleTime(info.metadata, this.host.clock.now());
    this.next = this.forwards ? Math.max(this.first, o.fromRevision ?? 1) : Math.min(row.revision, o.fromRevision ?? row.revision);
    return true;
  }

  page(): StreamEventTuple[] {
    this.host.beforeRead();
    const { st } = this;
    return this.host.engine.read(() => {
      if (!this.forwards) return st.backwards.all(this.streamId, this.next, this.first, this.oldest, this.size);
      const rows = st.forwards.all(this.streamId, this.next, this.oldest, this.size);
      // With maxAgeMs the later rows may all be filtered out: nothing to conclude then.
      if (rows.length === 0 && this.oldest === Number.MIN_SAFE_INTEGER) this.assertReachedHead();
      return rows;
    }, `reading stream ${this.stream}`);
  }

  /**
   * A forward read that ends below the stream's revision: are later revisions stored all the same
   * (a damaged (stream_id, revision) index ends the scan early)? As for topics (row-check.ts):
   * only such a read pays, for a scan of the rows appended after the last one it read.
   */
  private assertReachedHead(): void {
    const revision = this.st.revisionOf.get(this.streamId) ?? 0;
    if (this.next > revision || this.st.storedBeyond.get(this.lastGlobal, this.streamId, this.next) === undefined) return;
    throw damagedIndex(`the index of stream ${this.stream} ends before revision ${this.next} but later revisions are stored`, { stream: this.stream, revision: this.next });
  }

  decode([revision, globalPosition, position, appendedAt, body, topicId, crc, category, indexCrc]: StreamEventTuple): RecordedEvent | undefined {
    checkStreamRow(globalPosition, revision, position, this.stream, this.topic, category, indexCrc);
    this.next = this.forwards ? revision + 1 : revision - 1;
    this.lastGlobal = globalPosition;
    if (body === null || appendedAt === null) return undefined; // the event is gone (retention, deleteEvent)
    const event = decodeRow(this.topic, topicId, position, appendedAt, body, crc);
    return { topic: this.topic, position, appendedAt, event, stream: this.stream, revision, globalPosition };
  }
}

/** `$all` (or one category of it) in global order, every event ever committed to a stream. */
export class AllPages implements PageSource<AllEventTuple, RecordedEvent> {
  limit = Infinity;
  private o: ReturnType<typeof checkReadAll> | undefined;
  private next = 0;
  private size = 512;

  constructor(private readonly host: StreamHost, private readonly st: StreamStatements, private readonly options: ReadAllOptions | undefined) {}

  start(): boolean {
    const o = (this.o = checkReadAll(this.options));
    this.limit = o.limit ?? Infinity;
    this.size = o.types ? 512 : pageSize(o.limit);
    this.next = o.direction === 'forwards' ? Math.max(1, o.fromPosition ?? 1) : (o.fromPosition ?? Number.MAX_SAFE_INTEGER);
    return true;
  }

  page(): AllEventTuple[] {
    this.host.beforeRead();
    const { st, next, size } = this;
    const { direction, category } = this.o!;
    return this.host.engine.read(() => {
      if (category === undefined) return direction === 'forwards' ? st.allForwards.all(next, size) : st.allBackwards.all(next, size);
      return direction === 'forwards' ? st.categoryForwards.all(category, next, size) : st.categoryBackwards.all(category, next, size);
    }, 'reading $all');
  }

  decode([globalPosition, revision, stream, topic, position, appendedAt, body, topicId, crc, category, indexCrc]: AllEventTuple): RecordedEvent | undefined {
    checkStreamRow(globalPosition, revision, position, stream, topic, category, indexCrc);
    const { direction, types } = this.o!;
    this.next = direction === 'forwards' ? globalPosition + 1 : globalPosition - 1;
    if (body === null || appendedAt === null) return undefined; // the event is gone (retention, deleteEvent)
    const event = decodeRow(topic, topicId, position, appendedAt, body, crc);
    if (types && !types.includes(event.type)) return undefined;
    return { topic, position, appendedAt, event, stream, revision, globalPosition };
  }
}
