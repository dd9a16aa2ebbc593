import type { Clock } from '../../core/clock.js';
import type { StreamTopic } from '../../log/stream-checks.js';
import type { Appender } from './appender.js';
import type { Engine } from './engine.js';

/** What the sqlite streams need of their SqliteLog. */
export interface StreamHost {
  readonly engine: Engine;
  readonly appends: Appender;
  readonly clock: Clock;
  readonly streamTopic: StreamTopic | undefined;
  assertOpen(): void;
  assertWritable(): void;
  /** Before each read query: refuses a closed log, then writes queued appends (a reader sees its own writes). */
  beforeRead(): void;
  /** One write transaction, in call order after queued appends; not yet durable. */
  write<T>(fn: () => T, doing: string): Promise<T>;
  /** Resolves once everything committed so far is synced (at once with `durability: 'os'`). */
  durable(): Promise<void>;
}
