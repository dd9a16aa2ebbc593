import { HeraldError } from '../../core/errors.js';
import type { Db } from './db.js';

/** What the server's settings make of a committed append (read once at open). */
export interface PgPersistence {
  /** `fsync = on` and `synchronous_commit` not `off`: COMMIT returns after the WAL is flushed. */
  durable: boolean;
  fsync: string;
  /** As herald's own connections see it (it can be set per role, database or session). */
  synchronousCommit: string;
}

/**
 * `fsync = off` or `synchronous_commit = off` lets COMMIT return before the WAL reaches the disk:
 * a server crash then loses acknowledged appends. herald labels that (`capabilities.durable`
 * false), or refuses to open with `requireDurable`.
 */
export async function readPersistence(db: Db): Promise<PgPersistence> {
  const [row] = await db.query<{ fsync: string; sc: string }>(
    "SELECT current_setting('fsync') AS fsync, current_setting('synchronous_commit') AS sc", [], 'reading the durability settings');
  const fsync = row?.fsync ?? 'unknown';
  const synchronousCommit = row?.sc ?? 'unknown';
  return { durable: fsync === 'on' && synchronousCommit !== 'off', fsync, synchronousCommit };
}

export function refuseUnsafe(p: PgPersistence, where: string): HeraldError {
  return new HeraldError('HERALD_E_UNSUPPORTED',
    `postgres at ${where}: requireDurable, but fsync = ${p.fsync} and synchronous_commit = ${p.synchronousCommit}: acknowledged appends could be lost on a crash`,
    { details: { capability: 'durable', fsync: p.fsync, synchronousCommit: p.synchronousCommit } });
}
