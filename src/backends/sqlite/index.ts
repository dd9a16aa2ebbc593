import { SqliteLog } from './sqlite-log.js';
import type { SqliteLogOptions } from './options.js';

export { SqliteLog } from './sqlite-log.js';
export type { SqliteLogOptions } from './options.js';
export type { CheckpointMode } from './checkpoint-worker.js';
export type { CheckpointResult } from './checkpointer.js';

/** Opens (creating if needed) the embedded durable log in one SQLite file. */
export async function openSqliteLog(options: SqliteLogOptions): Promise<SqliteLog> {
  return new SqliteLog(options);
}
export { SqliteSubjectKeys, openSqliteSubjectKeys } from './subject-keys.js';
