import amqp, { type Channel as AmqpChannel, type ChannelModel, type ConsumeMessage } from 'amqplib';
import { asError } from '../errors.js';
import { decode, encode, type BenchPayload } from '../payload.js';
import { Unavailable, type Channel, type ChannelKind, type ConsumeOptions, type Consumer, type Peer, type Producer } from './types.js';

const URL = 'amqp://guest:guest@127.0.0.1:5672';
const START = 'rabbitmq-server -detached';

/**
 * RabbitMQ through amqplib: a durable quorum queue (the type RabbitMQ recommends for data
 * safety), persistent messages, publisher confirms (a confirm arrives once the message is
 * fsynced by the queue), manual acks with prefetch, acked once per tick with `multiple`.
 * Replay needs a log, so replay channels are stream queues read from `x-stream-offset: first`.
 */
export class RabbitPeer implements Peer {
  readonly id = 'rabbitmq';
  readonly label = 'RabbitMQ';
  readonly client = 'amqplib 2; confirm channel (async confirms), prefetch + multiple acks';
  readonly durability = 'quorum queue, persistent messages, publisher confirm after fsync';
  readonly startCommand = START;
  private conn: ChannelModel | undefined;
  private admin: AmqpChannel | undefined;

  async open(): Promise<void> {
    try {
      this.conn = await amqp.connect(URL);
      this.admin = await this.conn.createChannel();
    } catch (error) {
      throw new Unavailable(this.label, START, error);
    }
  }

  version(): string {
    return String(this.conn?.connection.serverProperties.version ?? '?');
  }

  async channel(name: string, kind: ChannelKind): Promise<Channel> {
    const queue = `bench.${name}`;
    await this.admin!.assertQueue(queue, { durable: true, arguments: { 'x-queue-type': kind === 'log' ? 'stream' : 'quorum' } });
    return new RabbitChannel(this.admin!, queue);
  }

  async close(): Promise<void> {
    await this.conn?.close();
  }
}

/** Acks the newest delivery with `multiple` once per event-loop turn. */
function batchedAcker(ch: AmqpChannel): { add(m: ConsumeMessage): void; flush(): void } {
  let last: ConsumeMessage | undefined;
  let scheduled = false;
  const flush = (): void => {
    scheduled = false;
    if (last) ch.ack(last, true);
    last = undefined;
  };
  return {
    add(m) {
      last = m;
      if (!scheduled) { scheduled = true; setImmediate(flush); }
    },
    flush,
  };
}

async function consumer(queue: string, prefetch: number, onMessage: (m: ConsumeMessage) => void, args?: Record<string, unknown>): Promise<Consumer> {
  const conn = await amqp.connect(URL);
  const ch = await conn.createChannel();
  await ch.prefetch(prefetch);
  const acker = batchedAcker(ch);
  const { consumerTag } = await ch.consume(queue, (m) => {
    if (!m) return;
    onMessage(m);
    acker.add(m);
  }, { noAck: false, ...(args ? { arguments: args } : {}) });
  return {
    async stop(): Promise<void> {
      await ch.cancel(consumerTag);
      acker.flush();
      await ch.close();
      await conn.close();
    },
  };
}

class RabbitChannel implements Channel {
  constructor(private readonly admin: AmqpChannel, private readonly queue: string) {}

  async producer(): Promise<Producer> {
    const conn = await amqp.connect(URL);
    const ch = await conn.createConfirmChannel();
    const queue = this.queue;
    return {
      publish(p: BenchPayload): Promise<void> {
        return new Promise((resolve, reject) => {
          ch.sendToQueue(queue, encode(p), { persistent: true, contentType: 'application/json' }, (err: unknown) => {
            if (err) reject(asError(err));
            else resolve();
          });
        });
      },
      async close(): Promise<void> {
        await ch.close();
        await conn.close();
      },
    };
  }

  async consume(options: ConsumeOptions): Promise<Consumer> {
    return consumer(this.queue, options.inFlight, (m) => options.onEvent(decode(m.content)));
  }

  async replay(max: number, onEvent: (p: BenchPayload) => void): Promise<number> {
    let n = 0;
    let done: () => void = () => {};
    const finished = new Promise<void>((resolve) => { done = resolve; });
    const c = await consumer(this.queue, 5_000, (m) => {
      if (n < max) { onEvent(decode(m.content)); if (++n === max) done(); }
    }, { 'x-stream-offset': 'first' });
    await finished;
    await c.stop();
    return n;
  }

  async close(): Promise<void> {
    await this.admin.deleteQueue(this.queue);
  }
}
