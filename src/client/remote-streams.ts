import type { CloudEvent } from '../core/envelope.js';
import { assertStreamName, checkReadAll, checkReadStream, expectedOf, prepareStreamEvents, tombstoneOf } from '../log/stream-checks.js';
import { assertSnapshot, normaliseMetadata } from '../log/stream-metadata.js';
import type {
  DeleteStreamOptions, ExpectedRevision, ReadAllOptions, ReadStreamOptions, RecordedEvent, SnapshotStore, StreamAppendOptions,
  StreamAppendResult, StreamInfo, StreamMetadata, StreamSnapshot, StreamStore,
} from '../log/streams.js';
import { AppendWatch } from './append-watch.js';
import type { Http, Query } from './http.js';
import { BATCH_CONTENT_TYPE } from './media.js';
import type { AllHeadResponse, StreamPage } from './wire.js';

/** What RemoteStreams needs of its RemoteLog. */
export interface RemoteStreamsHost {
  http: Http;
  /** How often `onAppendAll` polls the `$all` head for other clients' appends (0: only this client's). */
  pollMs: number;
  /** The server keeps snapshots. */
  snapshots: boolean;
  /** Throws HERALD_E_CLOSED once the log is closed. */
  assertOpen(): void;
  /** This client appended to `topic` up to `head`: wakes the log's `onAppend` listeners. */
  appended(topic: string, head: number): void;
}

const PAGE = 500;
const ALL = '$all';
const streamPath = (stream: string): string => `/v1/streams/${encodeURIComponent(stream)}`;
const expectedQuery = (expected: ExpectedRevision): Query => (expected === 'any' ? {} : { expectedRevision: String(expected) });

/**
 * The StreamStore over a herald server's `/v1/streams` and `/v1/all` routes. Names and options
 * are checked here as the embedded stores check them; the rest is the server's answer, with its
 * error codes (`HERALD_E_WRONG_REVISION` with `actualRevision`). This client's writes to one
 * stream go out in call order, one after the other; reads go page by page, and a forwards read
 * that reaches the end looks again when this client appended meanwhile. `onAppendAll` hears this
 * client's appends at once and other clients' by polling the `$all` head.
 */
export class RemoteStreams implements StreamStore {
  readonly snapshots?: SnapshotStore;
  private readonly watch: AppendWatch;
  /** The last write to each stream still under way. */
  private readonly tails = new Map<string, Promise<unknown>>();
  private appends = 0;

  constructor(private readonly host: RemoteStreamsHost) {
    this.watch = new AppendWatch(host.pollMs, () => this.headPosition());
    if (host.snapshots) {
      this.snapshots = {
        loadSnapshot: async (stream) => {
          host.assertOpen();
          assertStreamName(stream);
          return host.http.request<StreamSnapshot | undefined>('GET', `${streamPath(stream)}/snapshot`, { allowNotFound: true });
        },
        saveSnapshot: async (stream, snapshot) => {
          host.assertOpen();
          const valid = assertSnapshot(stream, snapshot).snapshot;
          await host.http.request('PUT', `${streamPath(stream)}/snapshot`, { body: valid });
        },
      };
    }
  }

  private get http(): Http {
    return this.host.http;
  }

  async appendToStream(stream: string, events: readonly CloudEvent[], options?: StreamAppendOptions): Promise<StreamAppendResult> {
    this.host.assertOpen();
    assertStreamName(stream);
    const expected = expectedOf(options);
    const data = JSON.stringify(prepareStreamEvents(stream, events));
    const result = await this.inOrder(stream, () => this.http.request<StreamAppendResult>('POST', `${streamPath(stream)}/events`, {
      query: expectedQuery(expected), raw: { contentType: BATCH_CONTENT_TYPE, data },
    }));
    const fresh = result.receipts.filter((r) => !r.duplicate);
    if (fresh.length > 0) {
      this.appends++;
      this.host.appended(fresh[0]!.topic, Math.max(...fresh.map((r) => r.position)));
      this.watch.appended(ALL, result.globalPosition);
    }
    return result;
  }

  async *readStream(stream: string, options?: ReadStreamOptions): AsyncIterable<RecordedEvent> {
    this.host.assertOpen();
    const o = checkReadStream(stream, options);
    yield* this.pages(`${streamPath(stream)}/events`, {}, o.direction, o.fromRevision, o.limit, (e) => e.revision);
  }

  async *readAll(options?: ReadAllOptions): AsyncIterable<RecordedEvent> {
    this.host.assertOpen();
    const o = checkReadAll(options);
    yield* this.pages('/v1/all/events', { category: o.category, type: o.types }, o.direction, o.fromPosition, o.limit, (e) => e.globalPosition);
  }

  async streamInfo(stream: string): Promise<StreamInfo | undefined> {
    this.host.assertOpen();
    assertStreamName(stream);
    return this.http.request<StreamInfo | undefined>('GET', streamPath(stream), { allowNotFound: true });
  }

  async setStreamMetadata(stream: string, metadata: StreamMetadata, options?: { expectedRevision?: ExpectedRevision }): Promise<void> {
    this.host.assertOpen();
    assertStreamName(stream);
    const body = normaliseMetadata(metadata);
    const query = expectedQuery(expectedOf(options));
    await this.inOrder(stream, () => this.http.request('PUT', `${streamPath(stream)}/metadata`, { body, query }));
  }

  async deleteStream(stream: string, options?: DeleteStreamOptions): Promise<void> {
    this.host.assertOpen();
    assertStreamName(stream);
    const query = { ...expectedQuery(expectedOf(options)), ...(tombstoneOf(options) ? { tombstone: 'true' } : {}) };
    await this.inOrder(stream, () => this.http.request('DELETE', streamPath(stream), { query }));
  }

  async headPosition(): Promise<number> {
    this.host.assertOpen();
    return (await this.http.request<AllHeadResponse>('GET', '/v1/all')).head;
  }

  onAppendAll(listener: () => void): () => void {
    this.host.assertOpen();
    return this.watch.listen(ALL, listener);
  }

  /** Stops polling. */
  close(): void {
    this.watch.close();
  }

  /** Runs `write` after this client's earlier writes to `stream` have been answered. */
  private inOrder<R>(stream: string, write: () => Promise<R>): Promise<R> {
    const run = (this.tails.get(stream) ?? Promise.resolve()).then(write);
    const tail = run.then(() => undefined, () => undefined);
    this.tails.set(stream, tail);
    void tail.then(() => {
      if (this.tails.get(stream) === tail) this.tails.delete(stream);
    });
    return run;
  }

  private async *pages(
    path: string, filter: Query, direction: 'forwards' | 'backwards', from: number | undefined, limit: number | undefined, at: (e: RecordedEvent) => number,
  ): AsyncIterable<RecordedEvent> {
    let next = from;
    let left = limit ?? Number.POSITIVE_INFINITY;
    while (left > 0) {
      this.host.assertOpen();
      const appendsBefore = this.appends;
      const page = await this.http.request<StreamPage>('GET', path, { query: { ...filter, direction, from: next, limit: Math.min(left, PAGE) } });
      for (const e of page.events) yield e;
      left -= page.events.length;
      const last = page.events.at(-1);
      if (page.next !== null) {
        next = page.next;
      } else if (direction === 'forwards' && this.appends !== appendsBefore) {
        // The end as it was when asked: this client has appended since, so there may be more.
        if (last !== undefined) next = at(last) + 1;
      } else {
        return;
      }
    }
  }
}
