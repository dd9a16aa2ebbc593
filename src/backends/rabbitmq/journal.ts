import type { ConsumeMessage } from 'amqplib';
import { HeraldError } from '../../core/errors.js';
import type { Session, StreamConsumer } from './session.js';

/** Names each message this process publishes, so it can recognise them when they come back. */
export class Tags {
  private n = 0;
  constructor(private readonly instance: string) {}
  next(): string {
    return `${this.instance}.${++this.n}`;
  }
}

/** Applies one message; `mine`: this process proposed it (and waits for the result). */
export type Apply = (body: Buffer, offset: number, mine: boolean) => unknown;

interface Waiter { resolve(result: unknown): void; reject(error: unknown): void; timer: NodeJS.Timeout }

/**
 * A stream used as a replicated command log: every process tails it from the first offset (or
 * from where a snapshot left off, snapshots.ts) and applies each message in order; `propose`
 * publishes a message and resolves with what applying it returned here, once the tail reached it
 * (so the answer reflects everything ordered before it).
 */
export class Journal {
  private readonly waiters = new Map<string, Waiter>();
  private consumer: StreamConsumer | undefined;
  private failure: HeraldError | undefined;

  private constructor(private readonly session: Session, readonly stream: string, private readonly tags: Tags, private readonly timeoutMs: number) {}

  static async open(session: Session, stream: string, apply: Apply, tags: Tags, timeoutMs: number,
    onError: (error: HeraldError) => void, from: number | 'first' = 'first'): Promise<Journal> {
    const journal = new Journal(session, stream, tags, timeoutMs);
    // Streams store messages in chunks and a consumer may be started at the chunk holding `from`
    // (3.10 filters those before it; this does not rely on that): never apply one twice.
    const first = from === 'first' ? 0 : from;
    journal.consumer = await session.consume(stream, from, 1000, async (message, offset) => {
      if (offset >= first) await journal.receive(message, offset, apply);
    }, (error) => {
      journal.fail(error);
      onError(error);
    });
    return journal;
  }

  async propose(body: Buffer): Promise<unknown> {
    if (this.failure) throw this.failure;
    const tag = this.tags.next();
    const answer = new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(tag);
        reject(new HeraldError('HERALD_E_TIMEOUT', `no answer from ${this.stream} within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      this.waiters.set(tag, { resolve, reject, timer });
    });
    answer.catch(() => undefined); // if the publish fails, that error is the one thrown
    try {
      await this.session.publish(this.stream, body, { 'herald-tag': tag });
    } catch (error) {
      const waiter = this.waiters.get(tag);
      if (waiter) { this.waiters.delete(tag); clearTimeout(waiter.timer); }
      throw error;
    }
    return answer;
  }

  fail(error: HeraldError): void {
    this.failure ??= error;
    for (const waiter of this.waiters.values()) { clearTimeout(waiter.timer); waiter.reject(error); }
    this.waiters.clear();
  }

  async stop(): Promise<void> {
    this.fail(new HeraldError('HERALD_E_CLOSED', 'the log is closed'));
    await this.consumer?.stop();
  }

  private async receive(message: ConsumeMessage, offset: number, apply: Apply): Promise<void> {
    const tag: unknown = message.properties.headers?.['herald-tag'];
    const waiter = typeof tag === 'string' ? this.waiters.get(tag) : undefined;
    const result = await apply(message.content, offset, waiter !== undefined);
    if (!waiter || typeof tag !== 'string') return;
    this.waiters.delete(tag);
    clearTimeout(waiter.timer);
    waiter.resolve(result);
  }
}
