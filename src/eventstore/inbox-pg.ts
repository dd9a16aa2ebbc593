import { systemClock, type Clock } from '../core/clock.js';
import type { CloudEvent } from '../core/envelope.js';
import { invalidArgument } from '../core/errors.js';
import type { Inbox } from '../consumer/middleware/dedup.js';
import type { Handler, HandlerContext } from '../consumer/types.js';
import { assertGroup } from '../log/names.js';
import { idOf, inboxRetention, type InboxRetention } from './inbox-retention.js';
import { assertPgPool, pgSchemaOnce, pgTransaction, toNumber, type PgPool, type PgQueryable } from './pg-client.js';

export interface PgInbox extends Inbox {
  /**
   * Runs `work(tx)` and records `event`'s id for `group` in one transaction, unless the id is
   * already recorded: then nothing runs and it resolves false. If `work` throws, nothing is
   * recorded and the error propagates. A concurrent duplicate waits for the first to commit.
   */
  handle(group: string, event: CloudEvent | string, work: (tx: PgQueryable) => Promise<void> | void): Promise<boolean>;
  /** Records the id through `tx` (your own open transaction); false when it was already recorded. */
  record(tx: PgQueryable, group: string, event: CloudEvent | string): Promise<boolean>;
  has(group: string, id: string): Promise<boolean>;
  add(group: string, id: string): Promise<void>;
  /** Deletes ids outside the retention window; resolves with how many went. */
  prune(): Promise<number>;
  /** Ids kept for `group` (for all groups when omitted). */
  size(group?: string): Promise<number>;
}

const SCHEMA = `CREATE TABLE IF NOT EXISTS herald_inbox (
  grp TEXT NOT NULL,
  event_id TEXT NOT NULL,
  handled_at BIGINT NOT NULL,
  PRIMARY KEY (grp, event_id)
);
CREATE INDEX IF NOT EXISTS herald_inbox_by_time ON herald_inbox (handled_at);
CREATE INDEX IF NOT EXISTS herald_inbox_by_group_time ON herald_inbox (grp, handled_at)`;

const PRUNE_COUNT = `DELETE FROM herald_inbox d USING (
  SELECT grp, event_id FROM (
    SELECT grp, event_id, row_number() OVER (PARTITION BY grp ORDER BY handled_at DESC, event_id DESC) AS rank FROM herald_inbox
  ) ranked WHERE rank > $1
) old WHERE d.grp = old.grp AND d.event_id = old.event_id`;

/**
 * The consumer-side inbox in the handler's own PostgreSQL database (table `herald_inbox`, in the
 * pool's `search_path`). With `handle` (or `record` in your own transaction) a handler's writes
 * and its inbox row commit together, so a redelivered event is skipped, on any backend. It also
 * implements the consumer runtime's `Inbox` for the `dedup` middleware.
 */
export function pgInbox(pool: PgPool, options: { retention?: InboxRetention; clock?: Clock } = {}): PgInbox {
  assertPgPool(pool);
  const clock = options.clock ?? systemClock;
  const { maxAgeMs, maxCount, due } = inboxRetention(options.retention);
  const ready = pgSchemaOnce(pool, SCHEMA);

  const insert = async (sql: PgQueryable, group: string, id: string): Promise<boolean> => {
    await ready();
    const result = await sql.query('INSERT INTO herald_inbox (grp, event_id, handled_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [group, id, clock.now()]);
    return result.rowCount === 1;
  };
  const prune = async (): Promise<number> => {
    await ready();
    return pgTransaction(pool, async (tx) => {
      const byAge = await tx.query('DELETE FROM herald_inbox WHERE handled_at < $1', [clock.now() - maxAgeMs]);
      const byCount = await tx.query(PRUNE_COUNT, [maxCount]);
      return (byAge.rowCount ?? 0) + (byCount.rowCount ?? 0);
    });
  };
  const counted = async (): Promise<void> => {
    if (due()) await prune();
  };
  const checked = (group: string, event: CloudEvent | string): string => {
    assertGroup(group);
    return idOf(event);
  };

  return {
    async handle(group, event, work) {
      const id = checked(group, event);
      if (typeof work !== 'function') throw invalidArgument('work must be a function', { field: 'work' });
      await ready();
      const ran = await pgTransaction(pool, async (tx) => {
        if (!(await insert(tx, group, id))) return false;
        await work(tx);
        return true;
      });
      if (ran) await counted();
      return ran;
    },
    async record(tx, group, event) {
      const id = checked(group, event);
      if (typeof tx?.query !== 'function') throw invalidArgument('tx must be the pg client of your transaction', { field: 'tx' });
      return insert(tx, group, id);
    },
    async has(group, id) {
      const checkedId = checked(group, id);
      await ready();
      return (await pool.query('SELECT 1 FROM herald_inbox WHERE grp = $1 AND event_id = $2', [group, checkedId])).rows.length > 0;
    },
    async add(group, id) {
      if (await insert(pool, group, checked(group, id))) await counted();
    },
    prune,
    async size(group) {
      await ready();
      const { rows } = group === undefined
        ? await pool.query('SELECT count(*) AS n FROM herald_inbox')
        : await pool.query('SELECT count(*) AS n FROM herald_inbox WHERE grp = $1', [group]);
      return toNumber((rows[0] as { n: string } | undefined)?.n ?? 0);
    },
  };
}

/**
 * A consumer handler (for `subscribe`) whose writes commit with the inbox row of its event, in
 * the delivery's group: effectively once for effects in the inbox's database, on any backend.
 */
export function pgInboxHandler<T = unknown>(inbox: PgInbox, handler: (event: CloudEvent<T>, tx: PgQueryable, ctx: HandlerContext) => Promise<void> | void): Handler<T> {
  if (typeof inbox?.handle !== 'function') throw invalidArgument('inbox must be a pg inbox', { field: 'inbox' });
  return async (event, ctx) => { await inbox.handle(ctx.delivery.group, event, (tx) => handler(event, tx, ctx)); };
}
