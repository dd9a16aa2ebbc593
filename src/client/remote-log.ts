import { BATCH_CONTENT_TYPE } from './media.js';
import type { CloudEvent } from '../core/envelope.js';
import { HeraldError } from '../core/errors.js';
import { assertGroup, assertPositiveInt, assertStartFrom, assertTopic, timeOf } from '../log/names.js';
import type {
  AppendReceipt, Capabilities, Delivery, EventLog, FetchOptions, GroupInfo, ReadOptions, Retention,
  SettleOutcome, Settlement, StartFrom, StoredEvent, TopicInfo,
} from '../log/types.js';
import { Http } from './http.js';
import { AppendWatch } from './append-watch.js';
import { RemoteStreams } from './remote-streams.js';
import type {
  DeletedResponse, FetchResponse, GroupsResponse, InfoResponse, PublishResponse, ReadPage, RemovedResponse,
  SettleResponse, TopicsResponse, WireStartFrom,
} from './wire.js';

export interface RemoteLogOptions {
  /** The server, e.g. `http://127.0.0.1:8080`. */
  url: string;
  /** An API key `hk_<id>_<secret>` (none for a server in --dev mode). */
  key?: string;
  /** How often `onAppend` looks for appends made by other clients (default 500 ms; 0: only this client's). */
  pollMs?: number;
  /** Per request (default 30 s). */
  timeoutMs?: number;
  /** The fetch implementation (default the global one). */
  fetch?: typeof fetch;
}

const PAGE = 500;
const enc = encodeURIComponent;
const topicPath = (topic: string): string => `/v1/topics/${enc(topic)}`;
const groupPath = (topic: string, group: string): string => `${topicPath(topic)}/groups/${enc(group)}`;

function wireFrom(from: StartFrom): WireStartFrom {
  return typeof from === 'object' && 'time' in from ? { time: timeOf(from) } : from;
}

/** Opens a RemoteLog: asks the server what it is and what this key may do. */
export async function connectRemoteLog(options: RemoteLogOptions): Promise<RemoteLog> {
  const http = new Http(options.url, options.key, options.timeoutMs ?? 30_000, options.fetch);
  const info = await http.request<InfoResponse>('GET', '/v1/info');
  return new RemoteLog(http, info, options.pollMs ?? 500);
}

/**
 * The EventLog over a herald server's HTTP API: the same interface as the embedded log, so an
 * application moves from embedded to remote by changing how it opens the log. Names and
 * options are checked here as the embedded log checks them; everything else is the server's
 * answer, with its error codes. `fetch`/`settle` are the consumer-group pull routes, `read`
 * streams page by page, and `onAppend` hears this client's appends at once and other
 * clients' by polling the topic's head.
 */
export class RemoteLog implements EventLog {
  readonly backend: string;
  readonly capabilities: Capabilities;
  /** The server's event store, when its backend keeps streams (`hasStreams(log)` tells). */
  readonly streams: RemoteStreams | undefined;
  private closed = false;
  private readonly watch: AppendWatch;

  constructor(private readonly http: Http, readonly info: InfoResponse, pollMs: number) {
    this.backend = `remote:${info.backend}`;
    this.capabilities = { ...info.capabilities, transactionalAck: false };
    this.watch = new AppendWatch(pollMs, async (topic) => (await this.topicInfo(topic))?.head ?? 0);
    this.streams = info.streams && new RemoteStreams({
      http, pollMs, snapshots: info.streams.snapshots,
      assertOpen: () => this.check(),
      appended: (topic, head) => this.watch.appended(topic, head),
    });
  }

  private check(): void {
    if (this.closed) throw new HeraldError('HERALD_E_CLOSED', 'the remote log was closed');
  }

  async append(topic: string, events: readonly CloudEvent[]): Promise<AppendReceipt[]> {
    this.check();
    assertTopic(topic);
    if (events.length === 0) return [];
    const { receipts } = await this.http.request<PublishResponse>('POST', `${topicPath(topic)}/events`, {
      raw: { contentType: BATCH_CONTENT_TYPE, data: JSON.stringify(events) },
    });
    if (receipts.some((r) => !r.duplicate)) this.watch.appended(topic, Math.max(...receipts.map((r) => r.position)));
    return receipts;
  }

  async *read(topic: string, options: ReadOptions = {}): AsyncIterable<StoredEvent> {
    this.check();
    assertTopic(topic);
    if (options.from !== undefined) assertStartFrom(options.from);
    if (options.limit !== undefined) assertPositiveInt(options.limit, 'limit');
    let from: WireStartFrom | undefined = options.from === undefined ? undefined : wireFrom(options.from);
    let left = options.limit ?? Number.POSITIVE_INFINITY;
    while (left > 0) {
      this.check();
      const query: Record<string, string | number | readonly string[] | undefined> = { limit: Math.min(left, PAGE), type: options.types };
      if (typeof from === 'object' && 'time' in from) query.time = from.time;
      else if (typeof from === 'object') query.from = from.position;
      else query.from = from;
      const page = await this.http.request<ReadPage>('GET', `${topicPath(topic)}/events`, { query });
      for (const stored of page.events) yield stored;
      left -= page.events.length;
      if (page.next === null) return;
      from = { position: page.next };
    }
  }

  async fetch(topic: string, group: string, options: FetchOptions): Promise<Delivery[]> {
    this.check();
    assertTopic(topic);
    assertGroup(group);
    if (options.from !== undefined) assertStartFrom(options.from);
    const body = { max: options.max, leaseMs: options.leaseMs, ...(options.from === undefined ? {} : { from: wireFrom(options.from) }) };
    return (await this.http.request<FetchResponse>('POST', `${groupPath(topic, group)}/fetch`, { body })).deliveries;
  }

  async settle(topic: string, group: string, settlements: readonly Settlement[]): Promise<SettleOutcome[]> {
    this.check();
    assertTopic(topic);
    assertGroup(group);
    return (await this.http.request<SettleResponse>('POST', `${groupPath(topic, group)}/settle`, { body: { settlements } })).outcomes;
  }

  async requeue(topic: string, group: string, event: CloudEvent, position: number): Promise<void> {
    this.check();
    assertTopic(topic);
    assertGroup(group);
    await this.http.request('POST', `${groupPath(topic, group)}/requeue`, { body: { event, position } });
  }

  onAppend(topic: string, listener: () => void): () => void {
    this.check();
    assertTopic(topic);
    return this.watch.listen(topic, listener);
  }

  async topics(): Promise<TopicInfo[]> {
    this.check();
    return (await this.http.request<TopicsResponse>('GET', '/v1/topics')).topics;
  }

  async topicInfo(topic: string): Promise<TopicInfo | undefined> {
    this.check();
    assertTopic(topic);
    return this.http.request<TopicInfo | undefined>('GET', topicPath(topic), { allowNotFound: true });
  }

  async groups(topic?: string): Promise<GroupInfo[]> {
    this.check();
    if (topic !== undefined) assertTopic(topic);
    return (await this.http.request<GroupsResponse>('GET', topic === undefined ? '/v1/groups' : `${topicPath(topic)}/groups`)).groups;
  }

  async resetGroup(topic: string, group: string, to: StartFrom): Promise<void> {
    this.check();
    assertTopic(topic);
    assertGroup(group);
    assertStartFrom(to);
    await this.http.request('POST', `${groupPath(topic, group)}/reset`, { body: { to: wireFrom(to) } });
  }

  async deleteGroup(topic: string, group: string): Promise<void> {
    this.check();
    assertTopic(topic);
    assertGroup(group);
    await this.http.request('DELETE', groupPath(topic, group));
  }

  async setRetention(topic: string, retention: Retention): Promise<void> {
    this.check();
    assertTopic(topic);
    await this.http.request('PUT', `${topicPath(topic)}/retention`, { body: retention });
  }

  async applyRetention(): Promise<number> {
    this.check();
    return (await this.http.request<RemovedResponse>('POST', '/v1/retention/apply')).removed;
  }

  async deleteEvent(topic: string, position: number): Promise<boolean> {
    this.check();
    assertTopic(topic);
    return (await this.http.request<DeletedResponse>('DELETE', `${topicPath(topic)}/events/${enc(String(position))}`)).deleted;
  }

  /** False when there was no such topic; HERALD_E_UNSUPPORTED when the server's backend cannot delete topics. */
  async deleteTopic(topic: string): Promise<boolean> {
    this.check();
    assertTopic(topic);
    const answer = await this.http.request<{ deleted: boolean } | undefined>('DELETE', topicPath(topic), { allowNotFound: true });
    return answer?.deleted ?? false;
  }

  /** Stops polling; the server and everything stored stay as they are. */
  async close(): Promise<void> {
    this.closed = true;
    this.watch.close();
    this.streams?.close();
  }
}
