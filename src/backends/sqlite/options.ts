import type { Clock } from '../../core/clock.js';
import { invalidArgument } from '../../core/errors.js';
import { assertStreamTopicOption, type StreamTopic } from '../../log/stream-checks.js';
import type { EngineOptions } from './engine.js';

export interface SqliteLogOptions {
  /** The database file (created with its directory when missing). Its `-wal` and `-shm` files live beside it. */
  path: string;
  /**
   * `fsync` (default): an append resolves once the write-ahead log is fdatasync'd (survives power
   * loss). `os`: it resolves on commit and the OS writes it back (survives a process crash; a
   * power loss may take the last ~100 ms).
   */
  durability?: 'fsync' | 'os';
  /** Time source for append times, leases and retention (tests pass a virtual clock). */
  clock?: Clock;
  /** How long to wait for another process's write lock before HERALD_E_BUSY (default 5000). */
  busyTimeoutMs?: number;
  /**
   * `quick` (default) runs PRAGMA quick_check on open (reads the whole file); `full` runs
   * integrity_check, which also checks every index against its table (slower: it finds index
   * damage that can hide events, see docs/adr/0007-event-checksums.md); `none` skips it.
   */
  integrityCheck?: 'quick' | 'full' | 'none';
  /** Background sync of commits nobody waits for (acks, leases), in ms (default 100). */
  syncIntervalMs?: number;
  /** Periodic WAL checkpoint, in ms (default 1000; 0 turns the periodic one off). */
  checkpointIntervalMs?: number;
  /** Checkpoint as soon as about this many bytes were written since the last one (default 16 MiB). */
  checkpointBytes?: number;
  /**
   * When a checkpoint finds more than this in the WAL, a RESTART follows (writes pause for about a
   * millisecond); a WAL file larger than this is truncated once writes stop (default 64 MiB).
   */
  truncateBytes?: number;
  /** Most events written in one group commit (default 2048; one larger append still goes whole). */
  maxBatchEvents?: number;
  /** The topic a new stream's events land on (default: its category, `order` for `order-123`). */
  streamTopic?: StreamTopic;
}

export interface ResolvedOptions extends EngineOptions {
  durability: 'fsync' | 'os';
  clock: Clock | undefined;
  maxBatchEvents: number;
  streamTopic: StreamTopic | undefined;
}

const MiB = 1024 * 1024;

export function resolveOptions(options: SqliteLogOptions): ResolvedOptions {
  if (typeof options?.path !== 'string' || options.path.length === 0 || options.path === ':memory:') {
    throw invalidArgument('path must name a database file', { field: 'path' });
  }
  const durability = options.durability ?? 'fsync';
  if (durability !== 'fsync' && durability !== 'os') throw invalidArgument("durability must be 'fsync' or 'os'", { field: 'durability' });
  const integrityCheck = options.integrityCheck ?? 'quick';
  if (integrityCheck !== 'quick' && integrityCheck !== 'full' && integrityCheck !== 'none') throw invalidArgument("integrityCheck must be 'quick', 'full' or 'none'", { field: 'integrityCheck' });
  assertStreamTopicOption(options.streamTopic);
  const number = (name: keyof SqliteLogOptions, fallback: number, min: number): number => {
    const value = options[name] ?? fallback;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min) throw invalidArgument(`${name} must be a number >= ${min}`, { field: name });
    return value;
  };
  return {
    path: options.path,
    durability,
    clock: options.clock,
    integrityCheck,
    busyTimeoutMs: number('busyTimeoutMs', 5000, 0),
    syncIntervalMs: number('syncIntervalMs', 100, 1),
    checkpointIntervalMs: number('checkpointIntervalMs', 1000, 0),
    checkpointBytes: number('checkpointBytes', 16 * MiB, 0),
    truncateBytes: number('truncateBytes', 64 * MiB, 0),
    maxBatchEvents: number('maxBatchEvents', 2048, 1),
    streamTopic: options.streamTopic,
  };
}
