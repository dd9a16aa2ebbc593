import type { CloudEvent } from '../core/envelope.js';
import { systemClock, type Clock } from '../core/clock.js';
import { invalidArgument } from '../core/errors.js';
import { assertPositiveInt } from '../log/names.js';
import { checkEnqueue, type OutboxRow, type OutboxSource } from './outbox.js';
import { assertPgPool, LOCK_OUTBOX, pgSchemaOnce, pgTransaction, toNumber, type PgPool, type PgQueryable } from './pg-client.js';
import { pgNotifications } from './outbox-pg-listen.js';

const SCHEMA = `CREATE TABLE IF NOT EXISTS herald_outbox (
  seq BIGSERIAL PRIMARY KEY,
  topic TEXT NOT NULL,
  event_id TEXT NOT NULL,
  body TEXT NOT NULL,
  enqueued_at BIGINT NOT NULL
)`;

/** The NOTIFY channel an enqueue signals on (delivered when its transaction commits). */
const CHANNEL = 'herald_outbox';

interface Row { seq: number | string; topic: string; body: string; enqueued_at: number | string }

const toRow = (r: Row): OutboxRow => ({ seq: toNumber(r.seq), topic: r.topic, event: JSON.parse(r.body) as CloudEvent, enqueuedAt: toNumber(r.enqueued_at) });

const PEEK = 'SELECT seq, topic, body, enqueued_at FROM herald_outbox ORDER BY seq LIMIT $1';

export interface PgOutbox extends OutboxSource {
  /**
   * Adds events bound for `topic` through `client`: pass the client of the transaction that writes
   * the business rows, so both commit (or roll back) together.
   */
  enqueue(client: PgQueryable, topic: string, events: CloudEvent | readonly CloudEvent[]): Promise<void>;
  claim(limit: number, relay: (rows: OutboxRow[]) => Promise<void>): Promise<OutboxRow[] | undefined>;
}

/**
 * An outbox in the application's own PostgreSQL database (table `herald_outbox`, in the pool's
 * `search_path`):
 *
 *   await client.query('BEGIN');
 *   await client.query('INSERT INTO orders ...', [...]);
 *   await outbox.enqueue(client, 'orders', placed);
 *   await client.query('COMMIT');
 *
 * Relays take a transaction-scoped advisory lock for each batch, so with several relays running
 * one works at a time and the order per topic holds; rows are deleted in the batch's transaction
 * after the log accepted them (by their `seq`, never by a range: a row whose transaction committed
 * late is relayed in a later batch, not lost). An enqueue wakes relays in every process through
 * NOTIFY at commit; each relaying process holds one pooled connection for LISTEN.
 */
export function pgOutbox(pool: PgPool, options: { clock?: Clock } = {}): PgOutbox {
  assertPgPool(pool);
  const clock = options.clock ?? systemClock;
  const ready = pgSchemaOnce(pool, SCHEMA);
  const notifications = pgNotifications(pool, CHANNEL);
  const read = async (text: string, values: unknown[] = []): Promise<unknown[]> => { await ready(); return (await pool.query(text, values)).rows; };
  return {
    kind: 'postgres',
    async enqueue(client, topic, events) {
      if (typeof client?.query !== 'function') throw invalidArgument('client must be the pg client of your transaction', { field: 'client' });
      const list = checkEnqueue(topic, events);
      await ready();
      await client.query(`INSERT INTO herald_outbox (topic, event_id, body, enqueued_at)
        SELECT $1, id, body, $4 FROM unnest($2::text[], $3::text[]) WITH ORDINALITY AS u(id, body, i) ORDER BY i`,
      [topic, list.map((e) => e.id), list.map((e) => JSON.stringify(e)), clock.now()]);
      await client.query(`NOTIFY ${CHANNEL}`);
    },
    async peek(limit) {
      assertPositiveInt(limit, 'limit');
      return ((await read(PEEK, [limit])) as Row[]).map(toRow);
    },
    async markRelayed(seq) {
      await read('DELETE FROM herald_outbox WHERE seq <= $1', [seq]);
    },
    async pending() {
      return toNumber(((await read('SELECT count(*) AS n FROM herald_outbox')) as { n: string }[])[0]?.n ?? 0);
    },
    async newestSeq() {
      return toNumber(((await read('SELECT coalesce(max(seq), 0) AS n FROM herald_outbox')) as { n: string }[])[0]?.n ?? 0);
    },
    async claim(limit, relay) {
      assertPositiveInt(limit, 'limit');
      await ready();
      return pgTransaction(pool, async (tx) => {
        const { rows: [lock] } = await tx.query('SELECT pg_try_advisory_xact_lock($1, 0) AS ok', [LOCK_OUTBOX]);
        if ((lock as { ok: boolean } | undefined)?.ok !== true) return undefined;
        const rows = ((await tx.query(PEEK, [limit])).rows as Row[]).map(toRow);
        if (rows.length === 0) return rows;
        await relay(rows);
        await tx.query('DELETE FROM herald_outbox WHERE seq = ANY($1::bigint[])', [rows.map((r) => r.seq)]);
        return rows;
      });
    },
    onEnqueue: (listener) => notifications.add(listener),
  };
}
