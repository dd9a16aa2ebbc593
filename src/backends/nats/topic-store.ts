import type { Msg } from '@nats-io/transport-node';
import { HeraldError } from '../../core/errors.js';
import type { Retention, TopicInfo } from '../../log/types.js';
import { ERR, isApiError, type JetStreamApi } from './jetstream-api.js';
import { appendedAtOf, type Layout } from './layout.js';
import type { ResolvedNatsOptions } from './options.js';

export interface StreamConfig {
  name: string;
  subjects: string[];
  description?: string;
  [field: string]: unknown;
}

export interface StreamInfo {
  config: StreamConfig;
  state: { messages: number; first_seq: number; last_seq: number };
  /** On a cluster: the server leading the stream's replicas. */
  cluster?: { leader?: string };
}

/**
 * herald creates file-storage streams only. A stream of that name made by someone else with
 * memory storage would lose every acknowledged event on a server restart: refused, not used.
 */
export function refuseMemoryStorage(config: StreamConfig): void {
  if (config.storage !== 'memory') return;
  throw new HeraldError('HERALD_E_UNSUPPORTED',
    `nats: stream ${config.name} uses memory storage: acknowledged events would be lost on a server restart; herald needs file storage`,
    { details: { capability: 'durable', stream: config.name, storage: 'memory' } });
}

/** herald's retention lives in the stream's description, so it survives restarts and is shared by every process. */
const RETENTION = 'herald retention ';

export function retentionOf(config: StreamConfig): Retention {
  if (!config.description?.startsWith(RETENTION)) return {};
  try {
    const parsed = JSON.parse(config.description.slice(RETENTION.length)) as Retention;
    return {
      ...(typeof parsed.maxAgeMs === 'number' ? { maxAgeMs: parsed.maxAgeMs } : {}),
      ...(typeof parsed.maxCount === 'number' ? { maxCount: parsed.maxCount } : {}),
    };
  } catch {
    return {};
  }
}

export function describeRetention(retention: Retention): string | undefined {
  return retention.maxAgeMs === undefined && retention.maxCount === undefined ? undefined : RETENTION + JSON.stringify(retention);
}

/** One JetStream stream per topic (file storage), created on first use. */
export class TopicStore {
  private readonly known = new Set<string>();

  constructor(private readonly api: JetStreamApi, readonly layout: Layout, private readonly options: ResolvedNatsOptions) {}

  /** The stream of `topic`, created if missing; returns its name. */
  async ensure(topic: string): Promise<string> {
    const name = this.layout.stream(topic);
    if (this.known.has(name)) return name;
    await this.ensureStream(this.config(name, [this.layout.subject(topic)]));
    this.known.add(name);
    return name;
  }

  /** Creates a stream unless it exists (whatever its current description or limits). */
  async ensureStream(config: StreamConfig): Promise<void> {
    try {
      const existing = await this.api.call<StreamInfo>(`STREAM.INFO.${config.name}`);
      refuseMemoryStorage(existing.config);
      return;
    } catch (error) {
      if (!isApiError(error, ERR.streamNotFound)) throw error;
    }
    try {
      await this.api.call(`STREAM.CREATE.${config.name}`, config);
    } catch (error) {
      if (!isApiError(error, ERR.streamNameInUse)) throw error; // another process created it first
    }
  }

  config(name: string, subjects: string[], extra: Record<string, unknown> = {}): StreamConfig {
    return {
      name, subjects, storage: 'file', retention: 'limits', discard: 'old', num_replicas: this.options.replicas,
      duplicate_window: this.options.duplicateWindowMs * 1e6, allow_direct: true, ...extra,
    };
  }

  forget(stream: string): void { this.known.delete(stream); }

  /** Deletes the topic's stream (its consumers go with it); false when there was none. */
  async delete(topic: string): Promise<boolean> {
    const name = this.layout.stream(topic);
    this.forget(name);
    try {
      await this.api.call(`STREAM.DELETE.${name}`);
      return true;
    } catch (error) {
      if (isApiError(error, ERR.streamNotFound)) return false;
      throw error;
    }
  }

  async info(topic: string): Promise<StreamInfo | undefined> {
    try {
      return await this.api.call<StreamInfo>(`STREAM.INFO.${this.layout.stream(topic)}`);
    } catch (error) {
      if (isApiError(error, ERR.streamNotFound)) return undefined;
      throw error;
    }
  }

  async list(): Promise<StreamInfo[]> {
    const out: StreamInfo[] = [];
    for (let offset = 0; ;) {
      const page = await this.api.call<{ total: number; streams: StreamInfo[] | null }>('STREAM.LIST', { offset, subject: this.layout.topicSubjects });
      const streams = page.streams ?? [];
      out.push(...streams);
      offset += streams.length;
      if (streams.length === 0 || offset >= page.total) return out;
    }
  }

  topicInfo(info: StreamInfo): TopicInfo {
    const { state, config } = info;
    const head = state.last_seq;
    return {
      topic: this.layout.topicOfSubject(config.subjects[0]!),
      head,
      first: state.messages === 0 ? head + 1 : state.first_seq,
      count: state.messages,
      retention: retentionOf(config),
    };
  }

  async setDescription(topic: string, description: string | undefined): Promise<void> {
    await this.ensure(topic);
    const info = await this.info(topic);
    if (!info) throw new HeraldError('HERALD_E_UNAVAILABLE', `the stream of topic ${topic} is not there (deleted meanwhile, or a restarted server is still restoring it): retry`);
    const config: StreamConfig = { ...info.config };
    if (description === undefined) delete config.description; else config.description = description;
    await this.api.call(`STREAM.UPDATE.${config.name}`, config);
  }

  /** The first stored message at or after `seq` (direct get), or undefined past the end. */
  async messageFrom(stream: string, subject: string, seq: number): Promise<Msg | undefined> {
    const [reply] = await this.api.many([{ subject: `$JS.API.DIRECT.GET.${stream}`, data: JSON.stringify({ seq, next_by_subj: subject }) }]);
    if (reply instanceof Error) throw reply;
    return reply!.headers?.code ? undefined : reply;
  }

  /** The append time of the first stored message at or after `seq`. */
  async appendedAtFrom(stream: string, subject: string, seq: number): Promise<number | undefined> {
    const msg = await this.messageFrom(stream, subject, seq);
    return msg && appendedAtOf(msg);
  }

  /** The first position in [lo, hi] appended at or after `time` (hi + 1 if none): append times never decrease. */
  async firstAtOrAfter(stream: string, subject: string, lo: number, hi: number, time: number): Promise<number> {
    let answer = hi + 1;
    while (lo <= hi) {
      const mid = Math.floor((lo + hi) / 2);
      const at = await this.appendedAtFrom(stream, subject, mid);
      if (at === undefined || at >= time) { answer = mid; hi = mid - 1; } else lo = mid + 1;
    }
    return answer;
  }
}
