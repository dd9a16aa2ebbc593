import { assertPgPool, LOCK_PROJECTION, pgSchemaOnce, pgTransaction, type PgPool, type PgQueryable } from './pg-client.js';
import {
  assertDroppable, planCommit, planRegister, recordFromRow,
  type AsyncProjectionStore, type CheckpointRecord, type CheckpointRow,
} from './projection-store.js';

const SCHEMA = `CREATE TABLE IF NOT EXISTS herald_projections (
  name TEXT NOT NULL,
  version INTEGER NOT NULL,
  source TEXT NOT NULL,
  position TEXT NOT NULL,
  applied BIGINT NOT NULL DEFAULT 0,
  role TEXT NOT NULL,
  last_error TEXT,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (name, version)
)`;

const SELECT = 'SELECT name, version, source, position, applied, role, last_error, updated_at FROM herald_projections';

async function recordsOf(sql: PgQueryable, name?: string): Promise<CheckpointRecord[]> {
  const { rows } = name === undefined
    ? await sql.query(`${SELECT} ORDER BY name, version`)
    : await sql.query(`${SELECT} WHERE name = $1 ORDER BY version`, [name]);
  return (rows as CheckpointRow[]).map(recordFromRow);
}

/** Serialises register, commit and drop of one projection name (all its versions) until the transaction ends. */
const lockName = (tx: PgQueryable, name: string): Promise<unknown> => tx.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [LOCK_PROJECTION, name]);

async function write(tx: PgQueryable, r: CheckpointRecord): Promise<void> {
  await tx.query('UPDATE herald_projections SET position = $1, applied = $2, role = $3, last_error = $4, updated_at = $5 WHERE name = $6 AND version = $7',
    [JSON.stringify(r.position), r.applied, r.role, r.lastError ? JSON.stringify(r.lastError) : null, r.updatedAt, r.name, r.version]);
}

/**
 * Checkpoints in the table `herald_projections` of the read model's own PostgreSQL database (the
 * schema is the pool's `search_path`). Each batch runs in one transaction: the handlers get its
 * client as `tx` and write the read model with `await tx.query(...)`, and the checkpoint moves in
 * the same transaction, so each event takes effect exactly once. A per-name advisory lock makes
 * the checkpoint compare-and-set safe when several runners (processes) run one version.
 */
export function pgProjectionStore(pool: PgPool): AsyncProjectionStore<PgQueryable> {
  assertPgPool(pool);
  const ready = pgSchemaOnce(pool, SCHEMA);
  const transact = async <T>(work: (tx: PgQueryable) => Promise<T>): Promise<T> => {
    await ready();
    return pgTransaction(pool, work);
  };

  return {
    kind: 'postgres',
    asyncHandlers: true,
    register(name, version, source, setup, now) {
      return transact(async (tx) => {
        await lockName(tx, name);
        const plan = planRegister(await recordsOf(tx, name), version, source);
        if (!('create' in plan)) return plan;
        await setup(tx);
        await tx.query("INSERT INTO herald_projections (name, version, source, position, applied, role, updated_at) VALUES ($1, $2, $3, '{}', 0, $4, $5)",
          [name, version, source, plan.create, now]);
        return (await recordsOf(tx, name)).find((r) => r.version === version)!;
      });
    },
    async records(name) {
      await ready();
      return recordsOf(pool, name);
    },
    commit(request, work) {
      return transact(async (tx) => {
        await lockName(tx, request.name);
        const plan = planCommit(await recordsOf(tx, request.name), request);
        if (plan.outcome === 'ok') await work(tx);
        for (const r of plan.updates) await write(tx, r);
        return plan.outcome;
      });
    },
    async recordError(name, version, error) {
      await ready();
      await pool.query('UPDATE herald_projections SET last_error = $1 WHERE name = $2 AND version = $3', [error ? JSON.stringify(error) : null, name, version]);
    },
    drop(name, version, hook) {
      return transact(async (tx) => {
        await lockName(tx, name);
        const record = (await recordsOf(tx, name)).find((r) => r.version === version);
        assertDroppable(record, name, version);
        if (!record) return false;
        await hook(tx);
        await tx.query('DELETE FROM herald_projections WHERE name = $1 AND version = $2', [name, version]);
        return true;
      });
    },
  };
}
