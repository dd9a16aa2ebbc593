import { assertSqlDatabase, writeTransaction, type SqlDatabase } from './sql.js';
import {
  assertDroppable, planCommit, planRegister, recordFromRow,
  type CheckpointRecord, type CheckpointRow, type CommitOutcome, type CommitRequest, type ProjectionStore,
} from './projection-store.js';

const SCHEMA = `CREATE TABLE IF NOT EXISTS herald_projections (
  name TEXT NOT NULL,
  version INTEGER NOT NULL,
  source TEXT NOT NULL,
  position TEXT NOT NULL,
  applied INTEGER NOT NULL DEFAULT 0,
  role TEXT NOT NULL,
  last_error TEXT,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (name, version)
)`;

/**
 * Checkpoints in the table `herald_projections` of the read model's own database: handlers get
 * that database as `tx`, and their writes commit with the checkpoint, so each event takes effect
 * exactly once however the process stops. Works with a better-sqlite3 Database (or anything
 * matching SqlDatabase); set `journal_mode = WAL` and a `busy_timeout` on it for concurrent readers.
 */
export function sqliteProjectionStore(db: SqlDatabase): ProjectionStore<SqlDatabase> {
  assertSqlDatabase(db);
  db.exec(SCHEMA);
  const st = {
    byName: db.prepare('SELECT * FROM herald_projections WHERE name = ? ORDER BY version'),
    all: db.prepare('SELECT * FROM herald_projections ORDER BY name, version'),
    insert: db.prepare('INSERT INTO herald_projections (name, version, source, position, applied, role, updated_at) VALUES (?, ?, ?, ?, 0, ?, ?)'),
    update: db.prepare('UPDATE herald_projections SET position = ?, applied = ?, role = ?, last_error = ?, updated_at = ? WHERE name = ? AND version = ?'),
    setError: db.prepare('UPDATE herald_projections SET last_error = ? WHERE name = ? AND version = ?'),
    remove: db.prepare('DELETE FROM herald_projections WHERE name = ? AND version = ?'),
  };
  const records = (name: string): CheckpointRecord[] => (st.byName.all(name) as CheckpointRow[]).map(recordFromRow);
  const write = (r: CheckpointRecord): void => {
    st.update.run(JSON.stringify(r.position), r.applied, r.role, r.lastError ? JSON.stringify(r.lastError) : null, r.updatedAt, r.name, r.version);
  };

  return {
    kind: 'sqlite',
    register(name, version, source, setup, now) {
      return writeTransaction(db, () => {
        const plan = planRegister(records(name), version, source);
        if (!('create' in plan)) return plan;
        setup(db);
        st.insert.run(name, version, source, '{}', plan.create, now);
        return records(name).find((r) => r.version === version)!;
      });
    },
    records(name) {
      return name === undefined ? (st.all.all() as CheckpointRow[]).map(recordFromRow) : records(name);
    },
    commit(request: CommitRequest, work): CommitOutcome {
      return writeTransaction(db, () => {
        const plan = planCommit(records(request.name), request);
        if (plan.outcome === 'ok') work(db);
        plan.updates.forEach(write);
        return plan.outcome;
      });
    },
    recordError(name, version, error) {
      st.setError.run(error ? JSON.stringify(error) : null, name, version);
    },
    drop(name, version, hook) {
      return writeTransaction(db, () => {
        const record = records(name).find((r) => r.version === version);
        assertDroppable(record, name, version);
        if (!record) return false;
        hook(db);
        st.remove.run(name, version);
        return true;
      });
    },
  };
}
