import type { CloudEvent } from '../core/envelope.js';
import { HeraldError } from '../core/errors.js';
import type { FailureInfo, GroupInfo, Retention, StoredEvent, TopicInfo } from './shapes.js';

export type { FailureInfo, GroupInfo, Retention, StoredEvent, TopicInfo } from './shapes.js';

export interface AppendReceipt {
  topic: string;
  id: string;
  position: number;
  appendedAt: number;
  /** True when the id was already in the topic: nothing was written, the first receipt is returned. */
  duplicate: boolean;
}

/** Where a read or a new consumer group starts. */
export type StartFrom = 'earliest' | 'latest' | { position: number } | { time: number | Date };

export interface ReadOptions {
  from?: StartFrom;
  /** Stop after this many events. */
  limit?: number;
  /** Only events of these types. */
  types?: readonly string[];
}

export interface FetchOptions {
  /** At most this many deliveries. */
  max: number;
  /** How long the caller holds the events before they are handed to someone else. */
  leaseMs: number;
  /** Where the group starts if it does not exist yet (default: earliest). */
  from?: StartFrom;
}

/** One event leased to one consumer of a group. `leaseId` fences late acks. */
export interface Delivery<T = unknown> extends StoredEvent<T> {
  group: string;
  /** 1 on the first delivery; counts lease expiries and nacks, not releases. */
  attempt: number;
  leaseId: number;
  leaseUntil: number;
  lastError?: FailureInfo;
}

export type Settlement =
  | { kind: 'ack'; position: number; leaseId: number }
  /** Failed: retry after `delayMs`. */
  | { kind: 'nack'; position: number; leaseId: number; delayMs: number; error?: FailureInfo }
  /** Give back unprocessed (e.g. behind a failed event of the same key): no attempt is counted. */
  | { kind: 'release'; position: number; leaseId: number }
  /** Keep the lease for another `leaseMs`. */
  | { kind: 'extend'; position: number; leaseId: number; leaseMs: number };

/** `stale`: the lease had expired and the event was (or may be) leased again; nothing changed. */
export type SettleOutcome = 'ok' | 'stale';

export interface Capabilities {
  /** Acknowledged appends survive a process crash. */
  durable: boolean;
  /** Per-key order within a group. */
  keyOrder: boolean;
  /** A handler's local writes can commit in the same transaction as its ack. */
  transactionalAck: boolean;
  /** Reads and group starts by time. */
  readByTime: boolean;
  /** Positions are contiguous (no gaps). */
  contiguousPositions: boolean;
}

/**
 * The EventLog is what every backend implements: a small set of primitives on which the consumer
 * runtime (retries, dead letters, key-ordered concurrency, middleware) is written once.
 * Positions are per topic, start at 1 and are contiguous on the embedded backends.
 */
export interface EventLog {
  readonly backend: string;
  readonly capabilities: Capabilities;
  /**
   * Fetches of one group a consumer may keep out at once (default 1). More than one only where a
   * fetch is applied after the ones sent before it, whatever order the answers come back in, so a
   * key one fetch leased is never handed out by the next (per-key order does not depend on it).
   */
  readonly fetchesInFlight?: number;
  /** Appends atomically (all or none), in order. Idempotent by event id within the topic. */
  append(topic: string, events: readonly CloudEvent[]): Promise<AppendReceipt[]>;
  /** Streams stored events in position order; never loads the backlog into memory. */
  read(topic: string, options?: ReadOptions): AsyncIterable<StoredEvent>;
  /** Leases up to `max` events to one consumer of `group`, never two of one key to two consumers. */
  fetch(topic: string, group: string, options: FetchOptions): Promise<Delivery[]>;
  settle(topic: string, group: string, settlements: readonly Settlement[]): Promise<SettleOutcome[]>;
  /** Hands `event` to `group` again (dead-letter redrive); other groups are not affected. */
  requeue(topic: string, group: string, event: CloudEvent, position: number): Promise<void>;
  /** Calls `listener` after events are appended to `topic` by this process; returns an unsubscribe. */
  onAppend(topic: string, listener: () => void): () => void;
  topics(): Promise<TopicInfo[]>;
  topicInfo(topic: string): Promise<TopicInfo | undefined>;
  groups(topic?: string): Promise<GroupInfo[]>;
  resetGroup(topic: string, group: string, to: StartFrom): Promise<void>;
  deleteGroup(topic: string, group: string): Promise<void>;
  setRetention(topic: string, retention: Retention): Promise<void>;
  /** Deletes what retention allows now; returns how many events went. */
  applyRetention(): Promise<number>;
  /** Removes one event (used to discard dead letters). */
  deleteEvent(topic: string, position: number): Promise<boolean>;
  /**
   * Removes a topic: its events, retention and consumer groups (its dead-letter topics are topics
   * of their own). The name can be used again and starts empty. False when there was no such
   * topic. Optional: a backend without it answers HERALD_E_UNSUPPORTED through `deleteTopic()`.
   */
  deleteTopic?(topic: string): Promise<boolean>;
  close(): Promise<void>;
}

/** A log whose handlers may write local state in the transaction that acks the event. */
export interface TransactionalLog<Tx = unknown> extends EventLog {
  /** Runs `work(tx)` and acks `delivery` atomically; throws HERALD_E_STALE_LEASE and rolls back if the lease was lost. */
  ackWith<R>(delivery: Delivery, work: (tx: Tx) => R): R;
}

/** Deletes `topic` on a backend that can; HERALD_E_UNSUPPORTED naming the backend otherwise. */
export async function deleteTopic(log: EventLog, topic: string): Promise<boolean> {
  if (!log.deleteTopic) throw new HeraldError('HERALD_E_UNSUPPORTED', `the ${log.backend} backend cannot delete topics`);
  return log.deleteTopic(topic);
}

export function isTransactional(log: EventLog): log is TransactionalLog {
  return log.capabilities.transactionalAck && typeof (log as Partial<TransactionalLog>).ackWith === 'function';
}
