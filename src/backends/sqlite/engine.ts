import Database from 'better-sqlite3';
import { closeSync, fdatasync, fstatSync, fsyncSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import type { HeraldError } from '../../core/errors.js';
import type { CheckpointMode } from './checkpoint-worker.js';
import { Checkpointer, type CheckpointResult } from './checkpointer.js';
import { fromOpen, fromSqlite, fromSync, isFatal } from './errors.js';
import { SyncScheduler } from './group-commit.js';
import { prepareMultiRows } from './insert-rows.js';
import { LeaseRuns } from './lease-runs.js';
import { openDatabase } from './schema.js';
import { prepareStatements } from './statements.js';
import type { Ctx } from './topics.js';

export interface EngineOptions {
  path: string;
  busyTimeoutMs: number;
  integrityCheck: 'quick' | 'full' | 'none';
  syncIntervalMs: number;
  checkpointIntervalMs: number;
  /** A PASSIVE checkpoint starts as soon as about this many bytes were written since the last one. */
  checkpointBytes: number;
  /** A WAL holding more than this gets a cooperative RESTART; a file larger than this is truncated when idle. */
  truncateBytes: number;
}

/**
 * The connection and everything that keeps it durable: the WAL file descriptor the group committer
 * fdatasyncs, the checkpoint worker, the fail-stop state. SqliteLog speaks to storage only here.
 */
export class Engine {
  readonly db: Database.Database;
  readonly ctx: Ctx;
  readonly sync: SyncScheduler;
  private readonly walFd: number;
  private readonly checkpointer: Checkpointer;
  private readonly timer: NodeJS.Timeout | undefined;
  /** Set while a blocking checkpoint needs this connection not to write (see checkpoint()). */
  paused: Promise<void> | undefined;
  private checkpointedAt = 0;
  private writtenSince = 0;
  /** Checkpoints run one after another (a blocking one must not overlap another's pause). */
  private checkpoints: Promise<unknown> = Promise.resolve();
  private scheduled = false;
  private seenAtTick = 0;
  private readonly pageSize: number;
  private failed: HeraldError | undefined;
  private readonly run: Database.Transaction<(fn: () => unknown) => unknown>;
  private readonly totalChanges: Database.Statement<[], number>;

  constructor(private readonly options: EngineOptions) {
    this.db = openDatabase(options.path, options);
    try {
      const multi = prepareMultiRows(this.db);
      this.ctx = { db: this.db, st: prepareStatements(this.db), multi, runs: new LeaseRuns(this.db, multi.putRows), topicIds: new Map() };
      this.run = this.db.transaction((fn: () => unknown) => fn());
      this.totalChanges = this.db.prepare<[], number>('SELECT total_changes()').pluck();
      this.pageSize = this.db.pragma('page_size', { simple: true }) as number;
      this.walFd = openSync(`${options.path}-wal`, 'a+');
      // Make the files' directory entries durable once; every later sync is of the WAL's data.
      fsyncSync(this.walFd);
      syncPath(options.path);
      syncPath(dirname(options.path));
    } catch (error) {
      this.db.close();
      throw fromOpen(error, options.path);
    }
    this.sync = new SyncScheduler(
      () => new Promise<void>((resolve, reject) => fdatasync(this.walFd, (error) => (error ? reject(error) : resolve()))),
      fromSync,
      { onSynced: () => this.maybeCheckpoint(false), onFailure: (error) => { this.failed ??= error; } },
      options.syncIntervalMs,
    );
    this.checkpointer = new Checkpointer(options.path, options.busyTimeoutMs);
    if (options.checkpointIntervalMs > 0) {
      this.timer = setInterval(() => this.maybeCheckpoint(true), options.checkpointIntervalMs);
      this.timer.unref();
    }
  }

  /** The error every write gets after a fatal failure (fail-stop), if any. */
  get failure(): HeraldError | undefined {
    return this.failed ?? this.sync.failure;
  }

  get inTransaction(): boolean {
    return this.db.inTransaction;
  }

  /**
   * Runs `fn` in one write transaction (BEGIN IMMEDIATE, so another process's writer is waited for)
   * and records the commit for the next sync when it changed anything.
   */
  write<T>(fn: () => T, doing: string): T {
    if (this.failure) throw this.failure;
    try {
      const before = this.totalChanges.get();
      const result = this.run.immediate(fn) as T;
      if (this.totalChanges.get() !== before) {
        this.sync.commit();
        this.writtenSince += 2 * this.pageSize; // a small commit writes a leaf page or two
      }
      return result;
    } catch (error) {
      // The transaction rolled back: topics it created are gone, so are their cached ids.
      this.ctx.topicIds.clear();
      throw this.fail(error, doing);
    }
  }

  /** Runs `fn` in one read transaction (a consistent snapshot across its queries). */
  read<T>(fn: () => T, doing: string): T {
    try {
      return this.run.deferred(fn) as T;
    } catch (error) {
      throw this.fail(error, doing);
    }
  }

  /** Maps a driver error; a fatal one stops all further writes. */
  fail(error: unknown, doing: string): unknown {
    const mapped = fromSqlite(error, doing);
    if (isFatal(mapped)) this.failed ??= mapped as HeraldError;
    return mapped;
  }

  /**
   * Runs a checkpoint on the worker. For the blocking modes the worker first catches up with
   * PASSIVE rounds, then this connection holds its writes back (`paused`) while the worker takes
   * the write lock for the short tail, so the main thread never sleeps in SQLite's busy handler.
   */
  checkpoint(mode: CheckpointMode): Promise<CheckpointResult> {
    const run = this.checkpoints.then(() => this.runCheckpoint(mode));
    this.checkpoints = run.catch(() => undefined);
    return run;
  }

  private async runCheckpoint(mode: CheckpointMode): Promise<CheckpointResult> {
    this.checkpointedAt = this.sync.latest;
    if (mode === 'PASSIVE') return this.checkpointer.run(mode);
    await this.checkpointer.run('CATCHUP');
    let resume = (): void => undefined;
    this.paused = new Promise((resolve) => { resume = resolve; });
    try {
      return await this.checkpointer.run(mode);
    } finally {
      this.paused = undefined;
      resume();
    }
  }

  walBytes(): number {
    return fstatSync(this.walFd).size;
  }

  /** Tells the checkpoint scheduler roughly how much a commit wrote to the WAL. */
  wrote(bytes: number): void {
    this.writtenSince += bytes;
  }

  /**
   * PASSIVE when something was committed since the last one, every `checkpointIntervalMs` or as
   * soon as about `checkpointBytes` were written. The writer restarts the WAL from its beginning
   * once a checkpoint has caught up with it; under a steady stream of writes a PASSIVE one never
   * quite does, so when one reports more than `truncateBytes` in the WAL a cooperative RESTART
   * follows (see checkpoint()). The WAL file keeps its size for reuse (shrinking it frees disk
   * blocks, which is slow); a TRUNCATE gives the space back once writes have stopped for a tick.
   */
  private maybeCheckpoint(periodic: boolean): void {
    if (this.scheduled || this.checkpointer.busy || this.failure) return;
    const idle = periodic && this.sync.latest === this.seenAtTick;
    if (periodic) this.seenAtTick = this.sync.latest;
    const shrink = idle && this.walBytes() > this.options.truncateBytes;
    const due = periodic ? this.sync.latest > this.checkpointedAt : this.writtenSince > this.options.checkpointBytes;
    if (!due && !shrink) return;
    this.writtenSince = 0;
    this.scheduled = true;
    const catchUp = async (): Promise<void> => {
      if (shrink) { await this.checkpoint('TRUNCATE'); return; }
      const { log } = await this.checkpoint('PASSIVE');
      if (log * (this.pageSize + 24) > this.options.truncateBytes) await this.checkpoint('RESTART');
    };
    catchUp().then(() => { this.scheduled = false; }, (error: unknown) => {
      this.scheduled = false;
      if (isFatal(error)) this.failed ??= error as HeraldError;
    });
  }

  /** Waits for outstanding syncs and checkpoints, then closes everything. */
  async close(): Promise<void> {
    await this.sync.durable().catch(() => undefined);
    this.sync.stop();
    if (this.timer) clearInterval(this.timer);
    await this.checkpointer.close();
    try {
      // The last connection to close checkpoints the WAL into the database file: with FULL it
      // fsyncs that file before deleting the WAL. Not after a failure (fail-stop): see closeKeepingWal.
      if (this.failure) {
        closeKeepingWal(this.db, this.options.path);
      } else {
        this.db.pragma('synchronous = FULL');
        this.db.close();
      }
    } finally {
      closeSync(this.walFd);
    }
  }
}

/**
 * Closes the connection without the checkpoint SQLite runs when the last connection closes. After
 * a failed fsync the page cache cannot be trusted (a write that failed may be dropped yet read
 * back as if stored), so the WAL, whose synced frames hold every acknowledged commit, must stay
 * for the next open to recover from rather than be copied and deleted. A read-only connection
 * holding its shared lock keeps the closing one from checkpointing; being read-only, it never
 * checkpoints itself.
 */
function closeKeepingWal(db: Database.Database, path: string): void {
  let guard: Database.Database | undefined;
  try {
    guard = new Database(path, { readonly: true, fileMustExist: true });
    guard.prepare('SELECT count(*) FROM meta').get();
  } catch {
    // Without the guard the close may checkpoint: no worse than closing at all.
  }
  try {
    db.close();
  } finally {
    guard?.close();
  }
}

function syncPath(path: string): void {
  const fd = openSync(path, 'r');
  try { fsyncSync(fd); } finally { closeSync(fd); }
}
