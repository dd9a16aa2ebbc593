/**
 * The event-store conformance suite on PostgreSQL: a PostgresLog, and read models, checkpoints,
 * outbox and inbox in the same database (one schema per test, the pool's search_path).
 */
import { after } from 'node:test';
import { pgUp, skipWithoutPg, TestSchemas } from '../../../src/backends/postgres/test-helpers.js';
import { pgInbox } from '../../../src/eventstore/inbox-pg.js';
import { pgOutbox } from '../../../src/eventstore/outbox-pg.js';
import { pgTransaction, type PgQueryable } from '../../../src/eventstore/pg-client.js';
import { pgProjectionStore } from '../../../src/eventstore/projection-store-pg.js';
import type { CounterModel, EventStoreFixture } from './helpers.js';
import { openAppPool } from './pg-pool.js';
import { runEventStoreConformance } from './index.js';

const schemas = new TestSchemas();
after(() => schemas.dropAll());

async function pgFixture(schema: string): Promise<EventStoreFixture<PgQueryable>> {
  const log = await schemas.open(schema);
  const pool = await openAppPool(schema);
  await pool.query('CREATE TABLE IF NOT EXISTS business (seq BIGSERIAL PRIMARY KEY, id TEXT UNIQUE NOT NULL)');
  const outbox = pgOutbox(pool);
  const model: CounterModel<PgQueryable> = {
    create: async (tx, table) => { await tx.query(`CREATE TABLE ${table} (k TEXT PRIMARY KEY, n BIGINT NOT NULL)`); },
    drop: async (tx, table) => { await tx.query(`DROP TABLE IF EXISTS ${table}`); },
    add: async (tx, table, key, by) => {
      await tx.query(`INSERT INTO ${table} AS t (k, n) VALUES ($1, $2) ON CONFLICT (k) DO UPDATE SET n = t.n + excluded.n`, [key, by]);
    },
    read: async (table) => {
      const { rows: [found] } = await pool.query('SELECT to_regclass($1) IS NOT NULL AS ok', [table]);
      if ((found as { ok: boolean }).ok !== true) return undefined;
      const { rows } = await pool.query(`SELECT k, n FROM ${table} ORDER BY k`);
      return Object.fromEntries((rows as { k: string; n: string }[]).map((r) => [r.k, Number(r.n)]));
    },
  };
  return {
    log, store: pgProjectionStore(pool), model, outbox, inbox: pgInbox(pool),
    async commitBusiness(id, topic, events, fail = false) {
      await pgTransaction(pool, async (tx) => {
        await tx.query('INSERT INTO business (id) VALUES ($1)', [id]);
        await outbox.enqueue(tx, topic, events);
        if (fail) throw new Error(`business rule rejected ${id}`);
      });
    },
    businessRows: async () => ((await pool.query('SELECT id FROM business ORDER BY seq')).rows as { id: string }[]).map((r) => r.id),
    async close() {
      await log.close();
      await pool.end();
    },
  };
}

if (pgUp) {
  runEventStoreConformance<PgQueryable>({
    name: 'postgres',
    open: () => pgFixture(schemas.fresh()),
    reopen: () => pgFixture(schemas.last),
  });
} else {
  skipWithoutPg('event-store conformance on PostgreSQL');
}
