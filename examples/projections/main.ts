// A read model ("orders by status") kept by a projection in the app's SQLite database, then
// rebuilt blue/green as version 2. Run: node dist/examples/projections/main.js (data in ./data).
import { mkdirSync } from 'node:fs';
import Database from 'better-sqlite3';
import { z } from 'zod';
import { openSqliteLog } from '../../src/backends/sqlite/index.js';
import { defineEvent } from '../../src/core/index.js';
import {
  activeTable, defineProjection, on, sqliteProjectionStore, startProjection, type SqlDatabase,
} from '../../src/eventstore/index.js';

mkdirSync('data', { recursive: true });
const log = await openSqliteLog({ path: 'data/herald.db' });
const OrderPlaced = defineEvent({ type: 'order.placed', schema: z.object({ orderId: z.string(), total: z.number() }) });
const OrderShipped = defineEvent({ type: 'order.shipped', schema: z.object({ orderId: z.string() }) });
for (let i = 1; i <= 5; i++) await log.append('orders', [await OrderPlaced.create({ orderId: `o-${i}`, total: 10 * i })]);
await log.append('orders', [await OrderShipped.create({ orderId: 'o-2' })]);

// docs:begin
const db = new Database('data/app.db');
db.pragma('journal_mode = WAL');
const store = sqliteProjectionStore(db);       // checkpoints live in this database too

const ordersByStatus = defineProjection<SqlDatabase>({
  name: 'orders-by-status',
  version: 1,
  source: { topics: ['orders'] },
  setup: ({ tx, table }) => tx.exec(`CREATE TABLE ${table('orders')} (id TEXT PRIMARY KEY, status TEXT)`),
  drop: ({ tx, table }) => tx.exec(`DROP TABLE ${table('orders')}`),
  handlers: [
    on(OrderPlaced, (e, { tx, table }) => {     // e.data is typed, upcast and validated
      tx.prepare(`INSERT INTO ${table('orders')} VALUES (?, 'placed')`).run(e.data.orderId);
    }),
    on(OrderShipped, (e, { tx, table }) => {
      tx.prepare(`UPDATE ${table('orders')} SET status = 'shipped' WHERE id = ?`).run(e.data.orderId);
    }),
  ],
});

const v1 = startProjection(ordersByStatus, { log, store });   // catch up from zero, then follow live
await v1.caughtUp();
const byStatus = (): unknown => db.prepare(
  `SELECT status, count(*) AS n FROM ${activeTable(store, 'orders-by-status', 'orders')} GROUP BY status`).all();
console.log('v1', JSON.stringify(byStatus()));

// Version 2 also keeps the total. It builds in orders_v2 while v1 serves from orders_v1,
// and becomes the active version once it has caught up; then v1 is dropped.
const v2 = startProjection(defineProjection<SqlDatabase>({
  ...ordersByStatus,
  version: 2,
  setup: ({ tx, table }) => tx.exec(`CREATE TABLE ${table('orders')} (id TEXT PRIMARY KEY, status TEXT, total REAL)`),
  handlers: [
    on(OrderPlaced, (e, { tx, table }) => {
      tx.prepare(`INSERT INTO ${table('orders')} VALUES (?, 'placed', ?)`).run(e.data.orderId, e.data.total);
    }),
    ordersByStatus.handlers[1]!,
  ],
}), { log, store, dropRetired: true });
await v2.caughtUp();
console.log('v2', JSON.stringify(byStatus()), activeTable(store, 'orders-by-status', 'orders'));
const { state, lag, applied } = await v2.status();
console.log('status', JSON.stringify({ state, lag, applied }));
// docs:end

await Promise.all([v1.close(), v2.close()]);
await log.close();
db.close();
