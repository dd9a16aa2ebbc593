import type { BenchPayload } from '../payload.js';

/**
 * One system under test, written once per peer so the workloads are written once. A peer makes
 * *channels*: a fresh stream / queue / table / database per measurement, deleted afterwards.
 */
export interface Peer {
  /** Stable id used in results and `--only`: herald, herald-os, nats, redis, rabbitmq, postgres. */
  readonly id: string;
  readonly label: string;
  /** The Node client and how it is driven, e.g. "ioredis 6, auto-pipelining". */
  readonly client: string;
  /** What an acknowledged publish survives, stated beside every figure. */
  readonly durability: string;
  /** The command that starts the server (shown when it is not reachable). */
  readonly startCommand?: string;
  /** Connects and prepares the server (e.g. Redis AOF settings); throws Unavailable if it is down. */
  open(): Promise<void>;
  /** The server's version, once open. */
  version(): string;
  /** A fresh channel; `kind: 'log'` when the events will be replayed (a RabbitMQ stream queue). */
  channel(name: string, kind: ChannelKind): Promise<Channel>;
  /** Undoes what `open` changed and disconnects. */
  close(): Promise<void>;
}

export type ChannelKind = 'queue' | 'log';

export interface Channel {
  /** A producer with its own connection (herald: the same embedded log). */
  producer(): Promise<Producer>;
  /** Starts a consumer-group member that calls `onEvent` at handler entry and acks after it. */
  consume(options: ConsumeOptions): Promise<Consumer>;
  /** Reads up to `max` stored events from the start, calling `onEvent` for each; resolves to the count. */
  replay?(max: number, onEvent: (p: BenchPayload) => void): Promise<number>;
  /** Deletes the channel's stream / queue / table / file. */
  close(): Promise<void>;
}

export interface Producer {
  /** Resolves when the system acknowledged the event (with the peer's stated durability). */
  publish(p: BenchPayload): Promise<void>;
  close(): Promise<void>;
}

export interface ConsumeOptions {
  group: string;
  /** Deliveries held at once (prefetch, max ack pending, batch size). */
  inFlight: number;
  onEvent(p: BenchPayload): void;
}

export interface Consumer {
  /** Stops taking new events and flushes outstanding acks. */
  stop(): Promise<void>;
}

/** The server is not reachable: the message names the command that starts it. */
export class Unavailable extends Error {
  constructor(readonly peer: string, readonly startCommand: string | undefined, cause: unknown) {
    const why = cause instanceof Error ? cause.message : String(cause);
    super(`${peer} is not reachable (${why})${startCommand ? `; start it with: ${startCommand}` : ''}`, { cause });
    this.name = 'Unavailable';
  }
}
