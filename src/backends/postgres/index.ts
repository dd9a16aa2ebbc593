import { resolveOptions, type PostgresLogOptions } from './options.js';
import { PostgresLog } from './postgres-log.js';

export { PostgresLog } from './postgres-log.js';
export type { PostgresLogOptions } from './options.js';
export type { PgPersistence } from './persistence.js';

/**
 * Connects to PostgreSQL, brings the schema up to date (versioned migrations under an advisory
 * lock, safe when several processes start at once) and returns the log.
 * A server that cannot be reached fails with HERALD_E_UNAVAILABLE (retryable).
 */
export async function openPostgresLog(options: PostgresLogOptions): Promise<PostgresLog> {
  const resolved = resolveOptions(options);
  const log = PostgresLog.create(resolved);
  try {
    await log.migrate();
    await log.checkPersistence();
  } catch (error) {
    await log.close();
    throw error;
  }
  return log;
}
