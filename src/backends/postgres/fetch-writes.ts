import { runBitmap } from '../../log/run-bitmap.js';
import type { Sql } from './db.js';

/** The `inflight` rows a fetch writes for its keyed new events (delivered or parked), column by column. */
export interface PendingRows {
  positions: number[];
  keys: (string | null)[];
  attempts: number[];
  leases: number[];
  visible: number[];
}

interface FetchWrite {
  groupId: number;
  leaseId: number;
  leaseUntil: number;
  /** The group's cursor before the fetch, and after it. */
  from: number;
  cursor: number;
}

/**
 * What a fetch writes for the new events it took: the keyed ones' pending rows, the keyless ones'
 * lease run (`run`, their positions), the group's new cursor. With no keyed rows these are only
 * numbers: returned as SQL text, to go with COMMIT in one round trip (undefined when there is
 * nothing to write). Otherwise they are written here, as one statement (its parts touch
 * different rows), with the keys bound as parameters: text is never written into SQL.
 */
export async function writeNewDeliveries(sql: Sql, s: string, f: FetchWrite, put: PendingRows, run: readonly number[]): Promise<string | undefined> {
  const { first, members } = run.length > 0 ? runBitmap(run) : { first: 0, members: Buffer.alloc(0) };
  if (put.positions.length === 0) {
    const writes = [
      ...(run.length > 0 ? [`INSERT INTO ${s}.lease_runs (group_id, lease_id, first, visible_at, members, pending)
        VALUES (${f.groupId}, ${f.leaseId}, ${first}, ${f.leaseUntil}, decode('${members.toString('hex')}', 'hex'), ${run.length})`] : []),
      ...(f.cursor !== f.from ? [`UPDATE ${s}.groups SET cursor = ${f.cursor} WHERE id = ${f.groupId}`] : []),
    ];
    return writes.length > 0 ? writes.join('; ') : undefined;
  }
  await sql.query(`
    WITH put AS (
      INSERT INTO ${s}.inflight (group_id, position, key, attempt, lease_id, visible_at)
      SELECT $1::integer, * FROM unnest($2::bigint[], $3::text[], $4::integer[], $5::bigint[], $6::bigint[])
    ), run AS (
      INSERT INTO ${s}.lease_runs (group_id, lease_id, first, visible_at, members, pending)
      SELECT $1::integer, $7::bigint, $8::bigint, $9::bigint, $10::bytea, $11::integer WHERE $11::integer > 0
    )
    UPDATE ${s}.groups SET cursor = $12::bigint WHERE id = $1::integer AND $13::boolean`,
  [f.groupId, put.positions, put.keys, put.attempts, put.leases, put.visible, f.leaseId, first, f.leaseUntil, members, run.length, f.cursor, f.cursor !== f.from]);
  return undefined;
}
