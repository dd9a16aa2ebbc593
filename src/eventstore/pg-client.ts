import { invalidArgument } from '../core/errors.js';

/**
 * The part of node-postgres (`pg`) that projections, the outbox and the inbox use, described
 * structurally so this layer never imports the driver: a `pg.Pool` and its clients fit as they are.
 */
export interface PgQueryable {
  query(text: string, values?: unknown[]): Promise<{ rows: unknown[]; rowCount?: number | null }>;
}

/** A connection checked out of the pool; `release(error)` discards a broken one. */
export interface PgPoolClient extends PgQueryable {
  release(error?: Error | boolean): void;
}

export interface PgPool extends PgQueryable {
  connect(): Promise<PgPoolClient>;
}

/** Fails fast, naming the argument, when `pool` does not look like a `pg.Pool`. */
export function assertPgPool(pool: unknown, field = 'pool'): asserts pool is PgPool {
  const p = pool as Partial<PgPool> | null | undefined;
  if (typeof p?.query !== 'function' || typeof p.connect !== 'function') {
    throw invalidArgument(`${field} must be a pg.Pool (an object with query and connect)`, { field });
  }
}

/** Runs `work(client)` between BEGIN and COMMIT on one pooled connection; ROLLBACK when it throws. */
export async function pgTransaction<T>(pool: PgPool, work: (client: PgPoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  // pg emits 'error' on a checked-out client whose connection drops; unheard, it is an uncaught exception.
  const onError = (error: Error): void => { broken ??= error; };
  const events = client as Partial<Pick<NodeJS.EventEmitter, 'on' | 'off'>>;
  events.on?.('error', onError);
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    try { await client.query('ROLLBACK'); } catch (rollback) { broken = rollback instanceof Error ? rollback : new Error(String(rollback)); }
    throw error;
  } finally {
    events.off?.('error', onError);
    client.release(broken);
  }
}

/** Two-key advisory lock namespaces, so herald's locks never meet an application's single-key ones. */
export const LOCK_PROJECTION = 0x48524c01;
export const LOCK_OUTBOX = 0x48524c02;
export const LOCK_SCHEMA = 0x48524c03;

/**
 * Creates tables once per process and store, serialised across processes by an advisory lock
 * (concurrent `CREATE TABLE IF NOT EXISTS` can fail in PostgreSQL).
 */
export function pgSchemaOnce(pool: PgPool, ddl: string): () => Promise<void> {
  let ready: Promise<void> | undefined;
  return () => {
    ready ??= pgTransaction(pool, async (client) => {
      await client.query('SELECT pg_advisory_xact_lock($1, 0)', [LOCK_SCHEMA]);
      await client.query(ddl);
    }).catch((error: unknown) => { ready = undefined; throw error; });
    return ready;
  };
}

/** int8 and numeric columns come back as strings from node-postgres. */
export const toNumber = (value: unknown): number => (typeof value === 'number' ? value : Number(value));
