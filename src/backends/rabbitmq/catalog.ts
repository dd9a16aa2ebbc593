import { Journal, type Tags } from './journal.js';
import type { Session } from './session.js';

export const catalogStream = (prefix: string): string => `${prefix}.catalog`;

/**
 * The topics of a namespace (AMQP cannot list queues): a stream of records every process
 * replays, `{ topic }` when a topic is made and `{ deleted }` when it is deleted. A topic is
 * recorded before its streams are declared, so a listed topic whose streams are missing is simply
 * declared again. Each delete starts a new generation of the name, whose streams are new ones
 * (topic-replica.ts): a topic made again never shares a stream with the one being deleted.
 */
export class Catalog {
  readonly topics = new Set<string>();
  private readonly generations = new Map<string, number>();
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

  /** Records the deletion of generation `generation` of the topic; its next registration is a new generation. */
  async remove(topic: string, generation: number): Promise<void> {
    await this.journal!.propose(Buffer.from(JSON.stringify({ deleted: topic, generation })));
  }

  /** Every name recorded, deleted ones included. */
  names(): string[] {
    return [...new Set([...this.topics, ...this.generations.keys()])];
  }

  /** How many times the name was deleted, as of what was applied here. */
  generation(topic: string): number {
    return this.generations.get(topic) ?? 0;
  }

  async stop(): Promise<void> {
    await this.journal?.stop();
  }

  private apply(body: Buffer): void {
    try {
      const record = JSON.parse(body.toString('utf8')) as { topic?: unknown; deleted?: unknown; generation?: unknown };
      if (typeof record.topic === 'string') this.topics.add(record.topic);
      // Only the delete of the current generation counts: a second process deleting the same one
      // at once, or one whose record comes after the name was made again, changes nothing.
      const { deleted } = record;
      if (typeof deleted === 'string' && record.generation === this.generation(deleted) && this.topics.delete(deleted)) {
        this.generations.set(deleted, this.generation(deleted) + 1);
      }
    } catch {
      // not a record of this version: skipped by every process alike
    }
  }
}
