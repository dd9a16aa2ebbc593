/**
 * Runs WAL checkpoints on its own thread and its own connection, with synchronous=FULL: SQLite
 * then fsyncs the WAL before copying it into the database file and fsyncs the database file before
 * it lets the WAL be reused. The main connection (synchronous=OFF, autocheckpoint off) never
 * checkpoints, so no fsync ever runs on the main thread.
 */
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';

export type CheckpointMode = 'PASSIVE' | 'RESTART' | 'TRUNCATE';

/** CATCHUP: PASSIVE rounds until one finds little left to copy (before a blocking mode). */
export interface CheckpointRequest { id: number; mode: CheckpointMode | 'CATCHUP' }
export interface CheckpointReply {
  id: number;
  /** busy: 1 when the checkpoint could not finish (readers or a writer in the way). */
  result?: { busy: number; log: number; checkpointed: number };
  error?: { message: string; code?: string };
}

interface Data { path: string; busyTimeoutMs: number }

const port = parentPort;
if (port) {
  const { path, busyTimeoutMs } = workerData as Data;
  const db = new Database(path, { timeout: busyTimeoutMs });
  db.pragma('synchronous = FULL');
  db.pragma('wal_autocheckpoint = 0');
  // Prepared once: `db.pragma()` prepares a statement per call, and each one's native memory
  // stayed until this thread's V8 collected its wrapper, which a thread that allocates this little
  // does rarely (the R13 soak: this thread's malloc arena grew ~0.3 MB a minute, a checkpoint a second).
  const modes = new Map((['PASSIVE', 'RESTART', 'TRUNCATE'] as const).map((m) => [m, db.prepare(`PRAGMA wal_checkpoint(${m})`)]));
  const shortWait = db.prepare(`PRAGMA busy_timeout = ${Math.min(busyTimeoutMs, 250)}`);
  const longWait = db.prepare(`PRAGMA busy_timeout = ${busyTimeoutMs}`);
  const checkpoint = (mode: CheckpointMode): CheckpointReply['result'] =>
    modes.get(mode)!.get() as CheckpointReply['result'];
  port.on('message', (message: CheckpointRequest | 'close') => {
    if (message === 'close') {
      db.close();
      port.close();
      return;
    }
    const reply: CheckpointReply = { id: message.id };
    try {
      let result: CheckpointReply['result'];
      if (message.mode === 'CATCHUP') {
        for (let round = 0; round < 8; round++) {
          const started = performance.now();
          result = checkpoint('PASSIVE');
          if (performance.now() - started < 2) break;
        }
      } else if (message.mode === 'PASSIVE') {
        result = checkpoint('PASSIVE');
      } else {
        // The main connection holds its writes back meanwhile; only another process's reader
        // could make this wait, and then it gives up soon (busy: 1) rather than stall everyone.
        shortWait.get();
        try { result = checkpoint(message.mode); } finally { longWait.get(); }
      }
      if (result) reply.result = result;
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      reply.error = { message: error instanceof Error ? error.message : String(error), ...(typeof code === 'string' ? { code } : {}) };
    }
    port.postMessage(reply);
  });
}
