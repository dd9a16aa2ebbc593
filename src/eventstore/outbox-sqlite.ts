import type { CloudEvent } from '../core/envelope.js';
import { systemClock, type Clock } from '../core/clock.js';
import { assertPositiveInt } from '../log/names.js';
import { checkEnqueue, EnqueueListeners, type Outbox, type OutboxRow } from './outbox.js';
import { assertSqlDatabase, type SqlDatabase } from './sql.js';

const SCHEMA = `CREATE TABLE IF NOT EXISTS herald_outbox (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  topic TEXT NOT NULL,
  event_id TEXT NOT NULL,
  body TEXT NOT NULL,
  enqueued_at INTEGER NOT NULL
)`;

interface Row { seq: number; topic: string; body: string; enqueued_at: number }

/**
 * An outbox in the application's own SQLite database (table `herald_outbox`):
 *
 *   const outbox = sqliteOutbox(db);
 *   db.transaction(() => { insertOrder.run(order); outbox.enqueue('orders', placed); })();
 *
 * Relayed rows are deleted in the outbox's database, so the relay's position is as durable as
 * the business rows. SQLite has one writer at a time and `seq` is taken under its lock, so rows
 * become visible in `seq` order and a relay reading in that order never skips one.
 */
export function sqliteOutbox(db: SqlDatabase, options: { clock?: Clock } = {}): Outbox {
  assertSqlDatabase(db);
  const clock = options.clock ?? systemClock;
  db.exec(SCHEMA);
  const st = {
    insert: db.prepare('INSERT INTO herald_outbox (topic, event_id, body, enqueued_at) VALUES (?, ?, ?, ?)'),
    peek: db.prepare('SELECT seq, topic, body, enqueued_at FROM herald_outbox ORDER BY seq LIMIT ?'),
    mark: db.prepare('DELETE FROM herald_outbox WHERE seq <= ?'),
    count: db.prepare('SELECT count(*) AS n FROM herald_outbox'),
    newest: db.prepare('SELECT coalesce(max(seq), 0) AS n FROM herald_outbox'),
  };
  const listeners = new EnqueueListeners();
  return {
    kind: 'sqlite',
    enqueue(topic: string, events: CloudEvent | readonly CloudEvent[]) {
      const list = checkEnqueue(topic, events);
      const now = clock.now();
      // A savepoint inside the caller's transaction; a transaction of its own otherwise.
      db.transaction(() => { for (const e of list) st.insert.run(topic, e.id, JSON.stringify(e), now); })();
      listeners.notify();
    },
    peek(limit: number): OutboxRow[] {
      assertPositiveInt(limit, 'limit');
      return (st.peek.all(limit) as Row[]).map((r) => ({ seq: r.seq, topic: r.topic, event: JSON.parse(r.body) as CloudEvent, enqueuedAt: r.enqueued_at }));
    },
    markRelayed(seq: number) {
      st.mark.run(seq);
    },
    pending: () => (st.count.get() as { n: number }).n,
    newestSeq: () => (st.newest.get() as { n: number }).n,
    onEnqueue: (listener) => listeners.add(listener),
  };
}
