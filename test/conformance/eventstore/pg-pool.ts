/** A pg.Pool for the application side of the PostgreSQL event-store tests. */
import pg from 'pg';
import { PG_URL } from '../../../src/backends/postgres/test-helpers.js';

/** A pool whose unqualified names resolve in `schema` (created if missing). */
export async function openAppPool(schema: string, max = 8): Promise<pg.Pool> {
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  try { await admin.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`); } finally { await admin.end(); }
  return new pg.Pool({ connectionString: PG_URL, max, options: `-c search_path="${schema}"` });
}
