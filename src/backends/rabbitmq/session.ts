import amqp, { type Channel, type ChannelModel, type ConfirmChannel, type ConsumeMessage, type Message } from 'amqplib';
import { HeraldError } from '../../core/errors.js';
import { unavailable } from './errors.js';

export type Headers = Record<string, string | number>;

/**
 * One AMQP connection and what herald does with it: declare and delete streams, publish with
 * confirms, and open stream consumers. Any connection failure fails every waiting operation
 * with HERALD_E_UNAVAILABLE; the log then opens a new session on its next call (rabbit-log.ts).
 */
export class Session {
  private failure: HeraldError | undefined;
  private readonly failureListeners = new Set<(error: HeraldError) => void>();
  private readonly returned = new Set<string>();
  private closing = false;

  private constructor(private readonly conn: ChannelModel, private readonly publisher: ConfirmChannel, private readonly url: string) {
    conn.on('error', (error: unknown) => this.fail(unavailable(url, 'connection error', error)));
    conn.on('close', () => this.fail(unavailable(url, 'connection closed', 'the broker closed the connection')));
    publisher.on('error', (error: unknown) => this.fail(unavailable(url, 'publish channel error', error)));
    publisher.on('return', (message: Message) => {
      const tag = message.properties.headers?.['herald-tag'];
      if (typeof tag === 'string') this.returned.add(tag);
    });
  }

  /**
   * `heartbeatSeconds`: the heartbeat asked of the broker (options.ts), unless `url` names one.
   * amqplib closes a connection that received nothing for two heartbeats ('error', then 'close'):
   * the session fails and the log reconnects, instead of waiting on a dead socket.
   */
  static async open(url: string, timeoutMs: number, heartbeatSeconds = 5): Promise<Session> {
    let conn: ChannelModel | undefined;
    try {
      conn = await amqp.connect(withHeartbeat(url, heartbeatSeconds), { noDelay: true, timeout: timeoutMs });
      const publisher = await conn.createConfirmChannel();
      return new Session(conn, publisher, url);
    } catch (error) {
      await conn?.close().catch(() => undefined);
      throw unavailable(url, 'cannot connect', error);
    }
  }

  get version(): string {
    return String(this.conn.connection.serverProperties.version ?? 'unknown');
  }

  /** Calls `listener` once if the connection fails; returns an unsubscribe. */
  onFailure(listener: (error: HeraldError) => void): () => void {
    if (this.failure) { listener(this.failure); return () => undefined; }
    this.failureListeners.add(listener);
    return () => this.failureListeners.delete(listener);
  }

  /** The connection failed or was closed: this session is done (the log opens a new one). */
  get failed(): boolean {
    return this.failure !== undefined;
  }

  assertUsable(): void {
    if (this.failure) throw this.failure;
  }

  /** Declares a stream (idempotent). One declared elsewhere with other arguments is accepted as it is. */
  async declareStream(name: string, args: Record<string, unknown>): Promise<void> {
    try {
      await this.withChannel((ch) => ch.assertQueue(name, { durable: true, arguments: args }));
    } catch (error) {
      if (!isAmqpCode(error, 406)) throw this.refusal(error, `declaring ${name}`);
      await this.withChannel((ch) => ch.checkQueue(name)).catch((again: unknown) => { throw this.refusal(again, `declaring ${name}`); });
    }
  }

  /** Whether a queue or stream of that name exists. */
  async exists(name: string): Promise<boolean> {
    try {
      await this.withChannel((ch) => ch.checkQueue(name));
      return true;
    } catch (error) {
      if (isAmqpCode(error, 404) && !homeDown(error)) return false;
      throw this.refusal(error, `checking ${name}`);
    }
  }

  async deleteStream(name: string): Promise<void> {
    await this.withChannel((ch) => ch.deleteQueue(name));
  }

  /** Publishes to a stream; resolves on the broker's confirm, rejects on a nack or if nothing routed it. */
  publish(stream: string, body: Buffer, headers: Headers & { 'herald-tag': string }): Promise<void> {
    this.assertUsable();
    const tag = headers['herald-tag'];
    return new Promise((resolve, reject) => {
      const failed = (): void => reject(this.failure ?? unavailable(this.url, `publish to ${stream}`, 'the broker refused it'));
      const off = this.onFailure(failed);
      this.publisher.sendToQueue(stream, body, { persistent: true, mandatory: true, headers, contentType: 'application/json' }, (error: unknown) => {
        off();
        if (error) { failed(); return; }
        if (this.returned.delete(tag)) { reject(new HeraldError('HERALD_E_UNAVAILABLE', `stream ${stream} does not exist (deleted while in use?)`)); return; }
        resolve();
      });
    });
  }

  /**
   * Consumes `stream` from `offset` (a number, 'first' or 'next'), handing messages to `handle`
   * one at a time, in offset order; the next is not handled before the previous one's promise settles.
   */
  async consume(stream: string, offset: number | 'first' | 'next', prefetch: number,
    handle: (message: ConsumeMessage, offset: number) => void | Promise<void>, onError: (error: HeraldError) => void): Promise<StreamConsumer> {
    // A stream another process has just declared may not have its local replica yet (406 "does
    // not have a replica on the local node"): wait for it rather than fail the open.
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.consumeOnce(stream, offset, prefetch, handle, onError);
      } catch (error) {
        if (attempt >= 50 || !/does not have a replica/.test(String((error as Error | undefined)?.message))) throw this.refusal(error, `consuming ${stream}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  private async consumeOnce(stream: string, offset: number | 'first' | 'next', prefetch: number,
    handle: (message: ConsumeMessage, offset: number) => void | Promise<void>, onError: (error: HeraldError) => void): Promise<StreamConsumer> {
    this.assertUsable();
    const ch = await this.conn.createChannel();
    let started = false; // an error before the consumer started rejects the call instead
    ch.on('error', (error: unknown) => { if (started) onError(unavailable(this.url, `consuming ${stream}`, error)); });
    await ch.prefetch(prefetch);
    let chain: Promise<void> = Promise.resolve();
    let stopped = false;
    // Stream acks only return credit: ack the newest handled message with `multiple` once per turn, or every half prefetch.
    let unacked: ConsumeMessage | undefined;
    let count = 0;
    const flush = (): void => {
      const last = unacked;
      unacked = undefined;
      count = 0;
      if (!last || stopped) return;
      try {
        ch.ack(last, true);
      } catch (error) {
        // amqplib throws "Channel closed" once the connection is gone (broker killed): this runs
        // from setImmediate, so unheard it would be an uncaught exception (R10).
        stopped = true;
        onError(unavailable(this.url, `consuming ${stream}`, error));
      }
    };
    const { consumerTag } = await ch.consume(stream, (message) => {
      if (message === null) { if (!stopped) onError(new HeraldError('HERALD_E_UNAVAILABLE', `stream ${stream} was deleted`)); return; }
      const at = Number(message.properties.headers?.['x-stream-offset']);
      chain = chain.then(async () => {
        if (stopped) return;
        await handle(message, at);
        if (unacked === undefined) setImmediate(flush);
        unacked = message;
        if (++count >= prefetch / 2) flush();
      }).catch((error: unknown) => {
        stopped = true;
        onError(error instanceof HeraldError ? error : unavailable(this.url, `handling ${stream}`, error));
      });
    }, { noAck: false, arguments: { 'x-stream-offset': offset } });
    started = true;
    return {
      async stop(): Promise<void> {
        if (stopped) return;
        stopped = true;
        await ch.cancel(consumerTag).catch(() => undefined);
        await ch.close().catch(() => undefined);
      },
    };
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.failure ??= new HeraldError('HERALD_E_CLOSED', 'the log is closed');
    await this.conn.close().catch(() => undefined);
  }

  private fail(error: HeraldError): void {
    if (this.failure) return;
    this.failure = this.closing ? new HeraldError('HERALD_E_CLOSED', 'the log is closed') : error;
    for (const listener of this.failureListeners) listener(this.failure);
    this.failureListeners.clear();
  }

  /** A failed admin call as a HeraldError: a lost connection or a stream not running yet is retryable. */
  private refusal(error: unknown, what: string): unknown {
    if (error instanceof HeraldError) return error;
    const coded = typeof (error as { code?: unknown } | null)?.code === 'number';
    return this.failure || homeDown(error) || !coded ? unavailable(this.url, what, error) : error;
  }

  /** Runs one admin call on its own channel: a refused call closes only that channel. */
  private async withChannel<T>(work: (ch: Channel) => Promise<T>): Promise<T> {
    this.assertUsable();
    const ch = await this.conn.createChannel();
    ch.on('error', () => undefined); // the refusal also rejects `work`
    try {
      return await work(ch);
    } finally {
      await ch.close().catch(() => undefined);
    }
  }
}

export interface StreamConsumer {
  stop(): Promise<void>;
}

/** `url` with `heartbeat=<seconds>` added to its query, unless it has one. */
export function withHeartbeat(url: string, seconds: number): string {
  if (/[?&]heartbeat=/.test(url)) return url;
  const hash = url.indexOf('#');
  const [base, fragment] = hash === -1 ? [url, ''] : [url.slice(0, hash), url.slice(hash)];
  return `${base}${base.includes('?') ? '&' : '?'}heartbeat=${seconds}${fragment}`;
}

/**
 * Right after a broker restart a stream's writer may not run yet: RabbitMQ refuses with 404
 * "home node ... of stream ... is down or isn't running" (retryable, not "no such stream").
 */
function homeDown(error: unknown): boolean {
  return isAmqpCode(error, 404) && /home node/i.test(String((error as Error).message));
}

function isAmqpCode(error: unknown, code: number): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === code;
}
