import type { CloudEvent } from '../core/envelope.js';
import { invalidArgument } from '../core/errors.js';
import { assertTopic } from '../log/names.js';
import { assertStreamName, checkReadAll, checkReadStream, prepareStreamEvents, type StreamTopic } from '../log/stream-checks.js';
import {
  categoryOf, type DeleteStreamOptions, type ExpectedRevision, type ReadAllOptions, type ReadStreamOptions, type RecordedEvent,
  type SnapshotStore, type StreamAppendOptions, type StreamAppendResult, type StreamInfo, type StreamMetadata, type StreamSnapshot,
  type StreamStore,
} from '../log/streams.js';
import type { TenantNames } from './tenants.js';

/**
 * Tenants' streams. A tenant's stream `order-1` is stored as `<tenant>__order-1`, with each `-` of
 * the tenant's name written `.` (`acme-corp` → `acme.corp__order-1`): a category is what precedes
 * a name's first `-`, so the stored category (`acme.corp__order`) is the tenant's category and no
 * other's, and category reads stay indexed. Tenant names have no `_` and no `.`, so a stored
 * name belongs to at most one tenant.
 *
 * The events of a tenant's stream land on the tenant's topic of the stream's category
 * (`<tenant>__order`, the topic `order` of its TenantLog) when the log's stream topics follow
 * the category: with the default mapping for every tenant whose name has no `-`, and for every
 * tenant when the log was opened with `streamTopic: tenantStreamTopic()`.
 */
const MAX_STREAM = 200;
const STORED = /^([a-z0-9][a-z0-9.]{0,39})__/;

/** The prefix of a tenant's stored stream names. */
export function streamPrefixOf(tenant: string): string {
  return `${tenant.replaceAll('-', '.')}__`;
}

/**
 * The `streamTopic` of a log shared by tenants: a tenant's stream goes to the tenant's topic of
 * `base(stream)` (default its category); any other stream to `base(stream)`.
 */
export function tenantStreamTopic(base: StreamTopic = categoryOf): StreamTopic {
  return (stored) => {
    const match = STORED.exec(stored);
    if (!match) return base(stored);
    const topic = base(stored.slice(match[0].length));
    try {
      assertTopic(topic);
    } catch {
      return topic; // not a topic name: the log refuses it as it would for a stream without a tenant
    }
    return `${match[1]!.replaceAll('.', '-')}__${topic}`;
  };
}

/** One tenant's view of a shared StreamStore; `assertOpen` throws once the tenant's view is closed. */
export class TenantStreams implements StreamStore {
  readonly snapshots?: SnapshotStore;
  private readonly prefix: string;

  constructor(private readonly inner: StreamStore, private readonly names: TenantNames, private readonly assertOpen: () => void) {
    this.prefix = streamPrefixOf(names.tenant);
    const snapshots = inner.snapshots;
    if (snapshots) {
      this.snapshots = {
        loadSnapshot: (stream) => this.call(() => snapshots.loadSnapshot(this.scope(stream))),
        saveSnapshot: (stream, snapshot: StreamSnapshot) => this.call(() => snapshots.saveSnapshot(this.scope(stream), snapshot)),
      };
    }
  }

  appendToStream(stream: string, events: readonly CloudEvent[], options?: StreamAppendOptions): Promise<StreamAppendResult> {
    return this.call(async () => {
      const stored = this.scope(stream);
      // Keyed by the name the tenant knows, not the stored one.
      const result = await this.inner.appendToStream(stored, prepareStreamEvents(stream, events), options);
      return { ...result, stream, receipts: result.receipts.map((r) => ({ ...r, topic: this.names.unscope(r.topic) })) };
    });
  }

  readStream(stream: string, options?: ReadStreamOptions): AsyncIterable<RecordedEvent> {
    return this.iterate(() => this.inner.readStream(this.scope(stream), checkReadStream(stream, options)));
  }

  readAll(options?: ReadAllOptions): AsyncIterable<RecordedEvent> {
    return this.iterate(() => {
      const o = checkReadAll(options);
      if (o.category !== undefined) return this.inner.readAll({ ...o, category: this.scope(o.category, 'category') });
      // $all holds every tenant's events: filter, then count the limit in this tenant's events only.
      const { limit, ...rest } = o;
      return this.own(this.inner.readAll(rest), limit ?? Number.POSITIVE_INFINITY);
    });
  }

  streamInfo(stream: string): Promise<StreamInfo | undefined> {
    return this.call(async () => {
      const info = await this.inner.streamInfo(this.scope(stream));
      return info && { ...info, stream, topic: this.names.unscope(info.topic) };
    });
  }

  setStreamMetadata(stream: string, metadata: StreamMetadata, options?: { expectedRevision?: ExpectedRevision }): Promise<void> {
    return this.call(() => this.inner.setStreamMetadata(this.scope(stream), metadata, options));
  }

  deleteStream(stream: string, options?: DeleteStreamOptions): Promise<void> {
    return this.call(() => this.inner.deleteStream(this.scope(stream), options));
  }

  /** The log's `$all` head: a tenant's positions are the log's, so they skip other tenants' events. */
  headPosition(): Promise<number> {
    return this.call(() => this.inner.headPosition());
  }

  /** Also called for other tenants' appends (it only says "look again"). */
  onAppendAll(listener: () => void): () => void {
    this.assertOpen();
    return this.inner.onAppendAll(listener);
  }

  private scope(stream: unknown, field = 'stream'): string {
    assertStreamName(stream, field);
    if (this.prefix.length + stream.length > MAX_STREAM) {
      throw invalidArgument(`${field} is too long for tenant ${this.names.tenant}: at most ${MAX_STREAM - this.prefix.length} characters`, { field });
    }
    return this.prefix + stream;
  }

  private shown(e: RecordedEvent): RecordedEvent {
    return { ...e, stream: e.stream.slice(this.prefix.length), topic: this.names.unscope(e.topic) };
  }

  private async *own(all: AsyncIterable<RecordedEvent>, limit: number): AsyncIterable<RecordedEvent> {
    let left = limit;
    for await (const e of all) {
      if (!e.stream.startsWith(this.prefix)) continue;
      yield e;
      if (--left <= 0) return;
    }
  }

  private async *iterate(open: () => AsyncIterable<RecordedEvent>): AsyncIterable<RecordedEvent> {
    try {
      this.assertOpen();
      for await (const e of open()) yield this.shown(e);
    } catch (error) {
      throw this.rewrite(error);
    }
  }

  private async call<R>(work: () => Promise<R>): Promise<R> {
    try {
      this.assertOpen();
      return await work();
    } catch (error) {
      throw this.rewrite(error);
    }
  }

  private rewrite(error: unknown): unknown {
    return this.names.rewrite(error, [this.prefix]);
  }
}
