import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { pgUp, skipWithoutPg, TestSchemas } from '../backends/postgres/test-helpers.js';
import { openAppPool } from '../../test/conformance/eventstore/pg-pool.js';
import { createEvent } from '../core/envelope.js';
import { MemoryLog } from '../log/memory/index.js';
import type { PgQueryable } from './pg-client.js';
import { defineProjection, on } from './projection.js';
import { activeTable, activeVersion } from './projection-admin.js';
import { startProjection } from './projection-runner.js';
import { pgProjectionStore } from './projection-store-pg.js';

const schemas = new TestSchemas();
after(() => schemas.dropAll());

interface Status { order: string; status: string }

/** A read model as an application writes it: async handlers awaiting `tx.query`. */
const byStatus = (version: number) => defineProjection<PgQueryable>({
  name: 'orders-by-status', version, source: { topics: ['orders'] },
  setup: async ({ tx, table }) => { await tx.query(`CREATE TABLE ${table('orders')} (id TEXT PRIMARY KEY, status TEXT NOT NULL)`); },
  drop: async ({ tx, table }) => { await tx.query(`DROP TABLE ${table('orders')}`); },
  handlers: [
    on('order.placed', async (event, { tx, table }) => {
      await tx.query(`INSERT INTO ${table('orders')} (id, status) VALUES ($1, 'placed')`, [(event.data as Status).order]);
    }),
    on('order.shipped', async (event, { tx, table }) => {
      const { order } = event.data as Status;
      const { rowCount } = await tx.query(`UPDATE ${table('orders')} SET status = 'shipped' WHERE id = $1`, [order]);
      if (rowCount !== 1) throw new Error(`order ${order} was never placed`);
    }),
  ],
});

if (!pgUp) skipWithoutPg('pgProjectionStore');
else describe('pgProjectionStore', () => {
  it('async handlers write the read model in the checkpoint transaction; a rebuild switches tables', async () => {
    const pool = await openAppPool(schemas.fresh());
    const log = new MemoryLog();
    const store = pgProjectionStore(pool);
    try {
      await log.append('orders', ['a', 'b', 'c'].map((order) => createEvent({ type: 'order.placed', data: { order } })));
      await log.append('orders', [createEvent({ type: 'order.shipped', data: { order: 'b' } })]);
      const v1 = startProjection(byStatus(1), { log, store, pollInterval: 20 });
      await v1.caughtUp();
      const read = async (): Promise<Status[]> => (await pool.query(`SELECT id AS order, status FROM ${await activeTable(store, 'orders-by-status', 'orders')} ORDER BY id`)).rows as Status[];
      assert.deepEqual(await read(), [{ order: 'a', status: 'placed' }, { order: 'b', status: 'shipped' }, { order: 'c', status: 'placed' }]);

      // An event whose handler fails rolls back with its batch: nothing of it is written, the position stays.
      await log.append('orders', [createEvent({ type: 'order.shipped', data: { order: 'zz' } })]);
      await new Promise((r) => setTimeout(r, 100));
      const status = await v1.status();
      assert.equal(status.lastError?.message, 'order zz was never placed');
      assert.deepEqual(status.position, { orders: 4 });
      await v1.close();

      const v2 = startProjection(byStatus(2), { log, store, pollInterval: 20, dropRetired: true, maxAttempts: 1 });
      await v2.closed; // it fails at the same event: v1 keeps serving
      assert.equal((await activeVersion(store, 'orders-by-status'))?.version, 1);
      assert.deepEqual((await v2.status()).position, { orders: 4 }, 'v2 built up to the failing event');
    } finally {
      await log.close();
      await pool.end();
    }
  });

  it('refuses what is not a pool', () => {
    assert.throws(() => pgProjectionStore('postgres://localhost/test' as never), { code: 'HERALD_E_INVALID_ARGUMENT', message: /pool/ });
  });
});
