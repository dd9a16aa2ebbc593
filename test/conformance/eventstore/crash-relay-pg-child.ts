/**
 * The process the PostgreSQL outbox crash test kills. Business transactions insert an order row
 * and enqueue its events (1-4, to `orders` or `payments`) in one transaction; every seventh
 * enqueues and then fails (rolled back). Two relays move the outbox to a PostgresLog at once.
 * Usage: node crash-relay-pg-child.js <schema> <runId> [drain]
 *   drain: commit nothing, relay everything pending, print DRAINED and exit.
 * It prints READY once running; the test kills it a random time after that. It prints
 * `I <topic> <id>...` before each business transaction and `R <id>...` after one rolled back.
 */
import { openPostgresLog } from '../../../src/backends/postgres/index.js';
import { PG_URL } from '../../../src/backends/postgres/test-helpers.js';
import { createEvent } from '../../../src/core/envelope.js';
import { pgOutbox } from '../../../src/eventstore/outbox-pg.js';
import { startOutboxRelay } from '../../../src/eventstore/outbox-relay.js';
import { pgTransaction } from '../../../src/eventstore/pg-client.js';
import { openAppPool } from './pg-pool.js';
import { writeLine } from '../../reliability/write-line.js';

const [, , schema, runId, mode] = process.argv;
if (!schema || !runId) throw new Error('usage: crash-relay-pg-child.js <schema> <runId> [drain]');

const log = await openPostgresLog({ connectionString: PG_URL, schema, poolSize: 3 });
const pool = await openAppPool(schema);
await pool.query('CREATE TABLE IF NOT EXISTS orders (seq BIGSERIAL PRIMARY KEY, topic TEXT NOT NULL, ids TEXT NOT NULL)');
const outbox = pgOutbox(pool);
const relays = [1, 2].map(() => startOutboxRelay({ outbox, log, batchSize: 16, pollInterval: 20 }));
writeLine('READY');

if (mode === 'drain') {
  await Promise.all(relays.map((r) => r.flush({ timeout: 120_000 })));
  await Promise.all(relays.map((r) => r.close()));
  await log.close();
  await pool.end();
  writeLine('DRAINED');
} else {
  for (let i = 0; ; i++) {
    const topic = i % 3 === 0 ? 'payments' : 'orders';
    const events = Array.from({ length: 1 + (i % 4) }, (_, j) => createEvent({ id: `${runId}-${i}-${j}`, type: 'order.placed', data: { i, j } }));
    const fails = i % 7 === 6;
    writeLine(`I ${topic} ${events.map((e) => e.id).join(' ')}`);
    try {
      await pgTransaction(pool, async (tx) => {
        await tx.query('INSERT INTO orders (topic, ids) VALUES ($1, $2)', [topic, JSON.stringify(events.map((e) => e.id))]);
        await outbox.enqueue(tx, topic, events);
        if (fails) throw new Error('rolled back on purpose');
      });
    } catch (error) {
      if (!fails) throw error;
      writeLine(`R ${events.map((e) => e.id).join(' ')}`);
    }
    await new Promise((r) => setTimeout(r, 1));
  }
}
