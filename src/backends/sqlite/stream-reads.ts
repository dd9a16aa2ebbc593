import type { CloudEvent } from '../../core/envelope.js';
import { checkReadAll, checkReadStream } from '../../log/stream-checks.js';
import { firstVisibleRevision, oldestVisibleTime } from '../../log/stream-metadata.js';
import type { ReadAllOptions, ReadStreamOptions, RecordedEvent } from '../../log/streams.js';
import { pageSize } from '../../log/validate.js';
import type { PageSource } from './paged.js';
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
    return this.host.engine.read(() => (this.forwards
      ? st.forwards.all(this.streamId, this.next, this.oldest, this.size)
      : st.backwards.all(this.streamId, this.next, this.first, this.oldest, this.size)), `reading stream ${this.stream}`);
  }

  decode([revision, globalPosition, position, appendedAt, body]: StreamEventTuple): RecordedEvent {
    this.next = this.forwards ? revision + 1 : revision - 1;
    return { topic: this.topic, position, appendedAt, event: JSON.parse(body) as CloudEvent, stream: this.stream, revision, globalPosition };
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

  decode([globalPosition, revision, stream, topic, position, appendedAt, body]: AllEventTuple): RecordedEvent | undefined {
    const { direction, types } = this.o!;
    this.next = direction === 'forwards' ? globalPosition + 1 : globalPosition - 1;
    const event = JSON.parse(body) as CloudEvent;
    if (types && !types.includes(event.type)) return undefined;
    return { topic, position, appendedAt, event, stream, revision, globalPosition };
  }
}
