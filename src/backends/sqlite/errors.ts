import { HeraldError, type ErrorCode } from '../../core/errors.js';
import { ROW_CORRUPTION } from './row-check.js';

/**
 * Maps driver and file-system failures to herald's error catalogue. SQLite reports extended
 * result codes as strings (`SQLITE_IOERR_FSYNC`, `SQLITE_BUSY_SNAPSHOT`...); Node's fs reports errno
 * names (`EIO`, `ENOSPC`).
 */
const SQLITE_CODES: ReadonlyArray<[prefix: string, code: ErrorCode]> = [
  ['SQLITE_FULL', 'HERALD_E_STORAGE_FULL'],
  ['SQLITE_IOERR', 'HERALD_E_STORAGE_IO'],
  ['SQLITE_CORRUPT', 'HERALD_E_CORRUPT'],
  ['SQLITE_NOTADB', 'HERALD_E_CORRUPT'],
  ['SQLITE_BUSY', 'HERALD_E_BUSY'],
  ['SQLITE_LOCKED', 'HERALD_E_BUSY'],
  ['SQLITE_CANTOPEN', 'HERALD_E_STORAGE_IO'],
  ['SQLITE_READONLY', 'HERALD_E_STORAGE_IO'],
];

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** The HeraldError for a failure of the SQLite driver, or the error itself when it is not one we know. */
export function fromSqlite(error: unknown, doing: string): unknown {
  if (error instanceof HeraldError) return error;
  const code = codeOf(error);
  if (code === undefined) return error;
  const hit = SQLITE_CODES.find(([prefix]) => code === prefix || code.startsWith(`${prefix}_`));
  if (!hit) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new HeraldError(hit[1], `sqlite: ${doing} failed: ${message} (${code})`, { details: { sqliteCode: code }, cause: error });
}

/**
 * An error while opening: SQLITE_ERROR there means herald's own statements do not fit the file's
 * schema (a damaged sqlite_master, or not herald's file), which is corruption, not a bug to rethrow.
 */
export function fromOpen(error: unknown, path: string): unknown {
  const code = codeOf(error);
  if (code !== undefined && /^E[A-Z]+$/.test(code)) return fromSync(error); // syncing the files at open
  if (code !== 'SQLITE_ERROR') return fromSqlite(error, `opening ${path}`);
  const message = error instanceof Error ? error.message : String(error);
  return new HeraldError('HERALD_E_CORRUPT', `sqlite: ${path} does not have the schema herald wrote (${message}); refusing to open it`, { details: { path, sqliteCode: 'SQLITE_ERROR' }, cause: error });
}

/** The HeraldError for a failed fdatasync/fsync of the log's files. */
export function fromSync(error: unknown): HeraldError {
  const code = codeOf(error) ?? 'EUNKNOWN';
  const message = error instanceof Error ? error.message : String(error);
  const full = code === 'ENOSPC' || code === 'EDQUOT';
  return new HeraldError(
    full ? 'HERALD_E_STORAGE_FULL' : 'HERALD_E_STORAGE_IO',
    `sqlite: syncing the write-ahead log failed (${code}: ${message}); nothing since the last successful sync was acknowledged and the log refuses further writes: close it, fix the disk, reopen`,
    { details: { errno: code }, cause: error },
  );
}

/**
 * Failures after which the connection's view of the file can no longer be trusted (fail-stop). A
 * damaged event row (its checksum) is not one: the file's structure is sound, and the log must keep
 * taking writes so that the event can be deleted.
 */
export function isFatal(error: unknown): boolean {
  if (!(error instanceof HeraldError)) return false;
  if (error.code === 'HERALD_E_CORRUPT') return error.details.damage !== ROW_CORRUPTION;
  return error.code === 'HERALD_E_STORAGE_IO';
}
