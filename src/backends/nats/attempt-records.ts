import type { FailureInfo } from '../../log/types.js';
import { ERR, isApiError, type JetStreamApi } from './jetstream-api.js';
import type { Layout } from './layout.js';
import type { TopicStore } from './topic-store.js';

/** What the server's delivery count cannot tell: attempts that did not count (releases) and the last failure. */
export interface AttemptRecord {
  attempts: number;
  /** The delivery count when it was written. */
  delivered: number;
  lastError?: FailureInfo;
}

export interface RecordTarget { stream: string; group: string; source: 'm' | 'r'; seq: number }

/**
 * Attempt records, one subject per held message in a stream that keeps one message per subject
 * (a KV bucket in all but name). Written only on a nack or when a message is handed back with an
 * attempt count the delivery count would get wrong; read only for redelivered messages.
 */
/** What the attempt records say of a delivery before this one: attempts counted, whether a record exists, the last failure. */
export interface AttemptsBefore { attempts: number; lastError?: FailureInfo; recorded: boolean }

export class AttemptRecords {
  private ready = false;

  constructor(private readonly api: JetStreamApi, private readonly topics: TopicStore, private readonly layout: Layout) {}

  /** Attempts already made before delivery number `delivered` of a message. */
  async attemptsBefore(target: RecordTarget, delivered: number): Promise<AttemptsBefore> {
    const record = delivered > 1 ? await this.read(target) : undefined;
    if (!record || record.delivered >= delivered) return { attempts: delivered - 1, recorded: record !== undefined };
    // Each server redelivery since the record is a lost lease: it counts.
    const attempts = record.attempts + (delivered - record.delivered - 1);
    return { attempts, recorded: true, ...(record.lastError ? { lastError: record.lastError } : {}) };
  }

  async write(target: RecordTarget, record: AttemptRecord): Promise<void> {
    await this.ensure();
    const [reply] = await this.api.many([{ subject: this.subject(target), data: JSON.stringify(record) }]);
    if (reply instanceof Error) throw reply;
  }

  async remove(target: RecordTarget): Promise<void> {
    await this.purge(this.subject(target));
  }

  async removeGroup(stream: string, group: string): Promise<void> {
    await this.purge(this.layout.groupRecords(stream, group));
  }

  private async read(target: RecordTarget): Promise<AttemptRecord | undefined> {
    try {
      const answer = await this.api.call<{ message: { data?: string } }>(`STREAM.MSG.GET.${this.layout.recordStream}`, { last_by_subj: this.subject(target) });
      return JSON.parse(Buffer.from(answer.message.data ?? '', 'base64').toString('utf8')) as AttemptRecord;
    } catch (error) {
      if (isApiError(error, ERR.streamNotFound) || isApiError(error, ERR.noMessage)) return undefined;
      throw error;
    }
  }

  private async purge(filter: string): Promise<void> {
    try {
      await this.api.call(`STREAM.PURGE.${this.layout.recordStream}`, { filter });
    } catch (error) {
      if (!isApiError(error, ERR.streamNotFound)) throw error;
    }
  }

  private subject(t: RecordTarget): string { return this.layout.recordSubject(t.stream, t.group, t.source, t.seq); }

  private async ensure(): Promise<void> {
    if (this.ready) return;
    const name = this.layout.recordStream;
    await this.topics.ensureStream(this.topics.config(name, [`${this.layout.prefix}.attempts.>`], { max_msgs_per_subject: 1, allow_direct: false }));
    this.ready = true;
  }
}
