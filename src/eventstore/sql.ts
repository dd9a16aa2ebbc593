import { HeraldError } from '../core/errors.js';

/**
 * The part of a SQL database that projections, the outbox and the inbox use: what a
 * better-sqlite3 `Database` offers, described structurally so that this layer never imports
 * the driver and another synchronous SQL database can be plugged in with a small adapter.
 */
export interface SqlRunResult {
  changes: number;
  lastInsertRowid: number | bigint;
}

export interface SqlStatement {
  run(...params: unknown[]): SqlRunResult;
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
}

/** A function that runs its body in one transaction (nested calls become savepoints). */
export interface SqlTransaction<T> {
  (): T;
  /** Takes the write lock at BEGIN, so two processes never deadlock upgrading a read lock. */
  immediate?: () => T;
}

export interface SqlDatabase {
  prepare(sql: string): SqlStatement;
  exec(sql: string): unknown;
  transaction<T>(fn: () => T): SqlTransaction<T>;
}

/** Runs `fn` in a write transaction (BEGIN IMMEDIATE where the database offers it). */
export function writeTransaction<T>(db: SqlDatabase, fn: () => T): T {
  const tx = db.transaction(fn);
  return tx.immediate ? tx.immediate() : tx();
}

/** Fails fast, naming the argument, when `db` does not look like a SQL database. */
export function assertSqlDatabase(db: unknown, field = 'db'): asserts db is SqlDatabase {
  const d = db as Partial<SqlDatabase> | null | undefined;
  if (typeof d?.prepare !== 'function' || typeof d.transaction !== 'function' || typeof d.exec !== 'function') {
    throw new HeraldError('HERALD_E_INVALID_ARGUMENT', `${field} must be a SQL database with prepare, exec and transaction (e.g. a better-sqlite3 Database)`, { details: { field } });
  }
}
