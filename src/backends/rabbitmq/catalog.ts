import { Journal, type Tags } from './journal.js';
import type { Session } from './session.js';

export const catalogStream = (prefix: string): string => `${prefix}.catalog`;

/**
 * The topics of a namespace (AMQP cannot list queues): a stream of `{ topic }` records every
 * process replays. A topic is recorded before its streams are declared, so a listed topic whose
 * streams are missing is simply declared again.
 */
export class Catalog {
  readonly topics = new Set<string>();
  private journal: Journal | undefined;

  static async open(session: Session, prefix: string, tags: Tags, timeoutMs: number): Promise<Catalog> {
    const catalog = new Catalog();
    const stream = catalogStream(prefix);
    await session.declareStream(stream, { 'x-queue-type': 'stream' });
    catalog.journal = await Journal.open(session, stream, (body) => catalog.apply(body), tags, timeoutMs, () => undefined);
    await catalog.sync();
    return catalog;
  }

  /** Resolves once every topic recorded before this call is known here. */
  async sync(): Promise<void> {
    await this.journal!.propose(Buffer.from('{}'));
  }

  async register(topic: string): Promise<void> {
    if (this.topics.has(topic)) return;
    await this.journal!.propose(Buffer.from(JSON.stringify({ topic })));
  }

  async stop(): Promise<void> {
    await this.journal?.stop();
  }

  private apply(body: Buffer): void {
    try {
      const record = JSON.parse(body.toString('utf8')) as { topic?: unknown };
      if (typeof record.topic === 'string') this.topics.add(record.topic);
    } catch {
      // not a record of this version: skipped by every process alike
    }
  }
}
