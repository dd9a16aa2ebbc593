import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { openSqliteLog } from '../../src/backends/sqlite/index.js';
import type { EventLog } from '../../src/log/types.js';
import { subscribe } from '../../src/consumer/subscribe.js';
import { createEvent, type CloudEvent } from '../../src/core/envelope.js';
import type { BenchPayload } from '../payload.js';
import type { Channel, ConsumeOptions, Consumer, Peer, Producer } from './types.js';

const TOPIC = 'bench';

/**
 * herald embedded: one SQLite file per channel in the bench's data directory, events published
 * one `append` per event (no batching by the caller: group commit does it), consumed through
 * `subscribe` with a consumer group, replayed with `read`.
 */
export class HeraldPeer implements Peer {
  readonly id: string;
  readonly label: string;
  readonly client = 'in-process; one append() per event, subscribe() with batched acks';
  readonly durability: string;

  constructor(private readonly dataDir: string, readonly mode: 'fsync' | 'os') {
    this.id = mode === 'fsync' ? 'herald' : 'herald-os';
    this.label = mode === 'fsync' ? 'herald (fsync)' : 'herald (os)';
    this.durability = mode === 'fsync'
      ? 'fdatasync of the WAL before the ack (survives power loss)'
      : 'written to the OS before the ack, synced within 100 ms (survives a process crash)';
  }

  async open(): Promise<void> {
    mkdirSync(this.dataDir, { recursive: true });
  }

  version(): string {
    return 'embedded SQLite (better-sqlite3)';
  }

  async channel(name: string): Promise<Channel> {
    const dir = join(this.dataDir, name);
    mkdirSync(dir, { recursive: true });
    const log = await openSqliteLog({ path: join(dir, 'herald.db'), durability: this.mode });
    return new HeraldChannel(log, async () => rmSync(dir, { recursive: true, force: true }));
  }

  async close(): Promise<void> {}
}

/** herald's API on any backend's log: the same code measures herald embedded and herald on X. */
export class HeraldChannel implements Channel {
  constructor(private readonly log: EventLog, private readonly cleanup: () => Promise<void>) {}

  async producer(): Promise<Producer> {
    const log = this.log;
    return {
      async publish(p: BenchPayload): Promise<void> {
        await log.append(TOPIC, [createEvent({ type: 'bench.event', data: p })]);
      },
      async close(): Promise<void> {},
    };
  }

  async consume(options: ConsumeOptions): Promise<Consumer> {
    const sub = subscribe<BenchPayload>(this.log, TOPIC, {
      group: options.group, concurrency: 64, maxInFlight: options.inFlight,
    }, (event) => { options.onEvent(event.data!); });
    return { stop: () => sub.close() };
  }

  async replay(max: number, onEvent: (p: BenchPayload) => void): Promise<number> {
    let n = 0;
    for await (const stored of this.log.read(TOPIC, { from: 'earliest', limit: max })) {
      onEvent((stored.event as CloudEvent<BenchPayload>).data!);
      n++;
    }
    return n;
  }

  async close(): Promise<void> {
    await this.log.close();
    await this.cleanup();
  }
}
