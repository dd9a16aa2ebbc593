// Orders and their events committed in one transaction (outbox), relayed to the log, and a
// billing consumer that writes each invoice once however often an event is delivered (inbox).
// Run: node dist/examples/outbox/main.js (data in ./data).
import { mkdirSync } from 'node:fs';
import Database from 'better-sqlite3';
import { z } from 'zod';
import { openSqliteLog } from '../../src/backends/sqlite/index.js';
import { subscribe } from '../../src/consumer/index.js';
import { defineEvent } from '../../src/core/index.js';
import { inboxHandler, sqliteInbox, sqliteOutbox, startOutboxRelay } from '../../src/eventstore/index.js';

mkdirSync('data', { recursive: true });
const log = await openSqliteLog({ path: 'data/herald.db' });
const OrderPlaced = defineEvent({ type: 'order.placed', schema: z.object({ orderId: z.string(), total: z.number() }) });
async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((r) => setTimeout(r, 10));
}

// docs:begin
const db = new Database('data/app.db');
db.pragma('journal_mode = WAL');
db.exec('CREATE TABLE IF NOT EXISTS orders (id TEXT PRIMARY KEY, total REAL)');
const outbox = sqliteOutbox(db);                     // creates herald_outbox in the same database
const insertOrder = db.prepare('INSERT INTO orders (id, total) VALUES (?, ?)');

async function placeOrder(orderId: string, total: number): Promise<void> {
  const event = await OrderPlaced.create({ orderId, total }, { key: orderId });  // validated first
  db.transaction(() => {
    insertOrder.run(orderId, total);                 // the business row...
    outbox.enqueue('orders', event);                 // ...and its event: both commit, or neither
  })();
}

const relay = startOutboxRelay({ outbox, log });     // outbox -> log, in order, at least once
await placeOrder('o-1', 42);
await placeOrder('o-2', 7);
await placeOrder('o-1', 99).catch(() => console.log('o-1 again: rejected, no event'));
await relay.flush();
console.log('relayed', JSON.stringify(await relay.status()));

// Billing keeps invoices in its own database; the inbox makes each event count once.
const billing = new Database('data/billing.db');
billing.exec('CREATE TABLE IF NOT EXISTS invoices (order_id TEXT, total REAL)');
const inbox = sqliteInbox(billing, { retention: { maxAge: '7d' } });
const invoices = subscribe(log, 'orders', { group: 'billing' },
  inboxHandler<{ orderId: string; total: number }>(inbox, (event, tx) => {
    tx.prepare('INSERT INTO invoices VALUES (?, ?)').run(event.data!.orderId, event.data!.total);
  }));
await until(() => invoices.stats().handled === 2);
for await (const { event, position } of log.read('orders', { limit: 1 })) {
  await log.requeue('orders', 'billing', event, position);              // delivered again...
}
await until(() => invoices.stats().handled === 3);
console.log('invoices', JSON.stringify(billing.prepare('SELECT * FROM invoices').all()));  // ...invoiced once
// docs:end

await invoices.close();
await relay.close();
await log.close();
db.close();
billing.close();
