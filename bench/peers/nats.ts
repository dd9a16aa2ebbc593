import { AckPolicy, DeliverPolicy, StorageType, jetstream, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connect, createInbox, type NatsConnection } from '@nats-io/transport-node';
import { decode, encode, type BenchPayload } from '../payload.js';
import { Unavailable, type Channel, type ConsumeOptions, type Consumer, type Peer, type Producer } from './types.js';

const SERVER = '127.0.0.1:4222';
const START = 'start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log';

const connectNats = (name: string): Promise<NatsConnection> => connect({ servers: SERVER, name, timeout: 3000, maxReconnectAttempts: 0 });

/**
 * NATS JetStream: a file-storage stream (1 replica). Publishing is the pipelined path — core
 * publishes with a reply inbox, acks counted as they arrive (what the Go client's PublishAsync
 * does), not one awaited `js.publish()` per message. Consuming: a durable pull consumer with
 * explicit acks; replay: an ordered consumer from the first message.
 */
export class NatsPeer implements Peer {
  readonly id = 'nats';
  readonly label = 'NATS JetStream';
  readonly client = '@nats-io/transport-node + jetstream 3.3; publish with reply inbox (async acks); pull consumer';
  readonly durability = 'file store, ack after the write reaches the OS; fsync every 2 min (server default sync_interval)';
  readonly startCommand = START;
  private nc: NatsConnection | undefined;
  private jsm: JetStreamManager | undefined;

  async open(): Promise<void> {
    try {
      this.nc = await connectNats('herald-bench-admin');
      this.jsm = await jetstreamManager(this.nc);
    } catch (error) {
      throw new Unavailable(this.label, START, error);
    }
  }

  version(): string {
    return this.nc?.info?.version ?? '?';
  }

  async channel(name: string): Promise<Channel> {
    const stream = `BENCH_${name}`.replace(/[^A-Za-z0-9_-]/g, '_');
    const subject = `bench.${stream}`;
    await this.jsm!.streams.add({ name: stream, subjects: [subject], storage: StorageType.File, num_replicas: 1 });
    return new NatsChannel(this.jsm!, stream, subject);
  }

  async close(): Promise<void> {
    await this.nc?.close();
  }
}

class NatsChannel implements Channel {
  constructor(private readonly jsm: JetStreamManager, private readonly stream: string, private readonly subject: string) {}

  async producer(): Promise<Producer> {
    const nc = await connectNats('herald-bench-producer');
    const inbox = createInbox();
    const waiting = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
    let next = 0;
    nc.subscribe(`${inbox}.*`, {
      callback: (_err, m) => {
        const id = Number(m.subject.slice(inbox.length + 1));
        const w = waiting.get(id);
        if (!w) return;
        waiting.delete(id);
        const text = m.data.length === 0 ? '' : m.string();
        if (text.startsWith('{"stream"')) w.resolve();
        else w.reject(new Error(`JetStream publish failed: ${text || m.headers?.description || 'no responders'}`));
      },
    });
    const subject = this.subject;
    return {
      publish(p: BenchPayload): Promise<void> {
        const id = ++next;
        return new Promise((resolve, reject) => {
          waiting.set(id, { resolve, reject });
          nc.publish(subject, encode(p), { reply: `${inbox}.${id}` });
        });
      },
      async close(): Promise<void> {
        await nc.close();
      },
    };
  }

  async consume(options: ConsumeOptions): Promise<Consumer> {
    await this.jsm.consumers.add(this.stream, {
      durable_name: options.group, ack_policy: AckPolicy.Explicit, deliver_policy: DeliverPolicy.All, max_ack_pending: options.inFlight,
    });
    const nc = await connectNats('herald-bench-consumer');
    const consumer = await jetstream(nc).consumers.get(this.stream, options.group);
    const messages = await consumer.consume({
      max_messages: options.inFlight,
      callback: (m) => { options.onEvent(decode(m.data)); m.ack(); },
    });
    return {
      async stop(): Promise<void> {
        await messages.close();
        await nc.flush(); // the acks have reached the server
        await nc.close();
      },
    };
  }

  async replay(max: number, onEvent: (p: BenchPayload) => void): Promise<number> {
    const nc = await connectNats('herald-bench-replay');
    try {
      const ordered = await jetstream(nc).consumers.get(this.stream, { deliver_policy: DeliverPolicy.All });
      let n = 0;
      let done: () => void = () => {};
      const finished = new Promise<void>((resolve) => { done = resolve; });
      const messages = await ordered.consume({
        max_messages: 10_000,
        callback: (m) => { if (n < max) { onEvent(decode(m.data)); if (++n === max) done(); } },
      });
      await finished;
      await messages.close();
      return n;
    } finally {
      await nc.close();
    }
  }

  async close(): Promise<void> {
    await this.jsm.streams.delete(this.stream);
  }
}
