import { systemClock, type Clock } from '../core/clock.js';
import type { CloudEvent } from '../core/envelope.js';
import { invalidArgument } from '../core/errors.js';
import type { Inbox } from '../consumer/middleware/dedup.js';
import type { Handler, HandlerContext } from '../consumer/types.js';
import { assertGroup } from '../log/names.js';
import { idOf, inboxRetention, type InboxRetention } from './inbox-retention.js';
import { assertSqlDatabase, writeTransaction, type SqlDatabase } from './sql.js';

export type { InboxRetention } from './inbox-retention.js';

export interface SqliteInbox extends Inbox {
  /**
   * Runs `work(db)` and records `event`'s id for `group` in one transaction, unless the id is
   * already recorded: then nothing runs and it returns false. `work` is synchronous (it runs
   * inside the transaction); if it throws, nothing is recorded and the error propagates.
   */
  handle(group: string, event: CloudEvent | string, work: (db: SqlDatabase) => void): boolean;
  has(group: string, id: string): boolean;
  add(group: string, id: string): void;
  /** Deletes ids outside the retention window; returns how many went. */
  prune(): number;
  /** Ids kept for `group` (for all groups when omitted). */
  size(group?: string): number;
}

const SCHEMA = `CREATE TABLE IF NOT EXISTS herald_inbox (
  grp TEXT NOT NULL,
  event_id TEXT NOT NULL,
  handled_at INTEGER NOT NULL,
  PRIMARY KEY (grp, event_id)
);
CREATE INDEX IF NOT EXISTS herald_inbox_by_time ON herald_inbox (handled_at);
CREATE INDEX IF NOT EXISTS herald_inbox_by_group_time ON herald_inbox (grp, handled_at)`;

/**
 * The consumer-side inbox in the handler's own SQLite database (table `herald_inbox`). With
 * `handle`, a handler's writes and its inbox row commit together: a redelivered event (lease
 * expiry, crash before the ack, a re-relayed outbox row) is skipped, on any backend. It also
 * implements the consumer runtime's `Inbox` for the `dedup` middleware (which records the id after
 * the handler, so there it is at-least-once with dedup, not atomic).
 */
export function sqliteInbox(db: SqlDatabase, options: { retention?: InboxRetention; clock?: Clock } = {}): SqliteInbox {
  assertSqlDatabase(db);
  const clock = options.clock ?? systemClock;
  const { maxAgeMs, maxCount, due } = inboxRetention(options.retention);
  db.exec(SCHEMA);
  const st = {
    insert: db.prepare('INSERT OR IGNORE INTO herald_inbox (grp, event_id, handled_at) VALUES (?, ?, ?)'),
    has: db.prepare('SELECT 1 AS x FROM herald_inbox WHERE grp = ? AND event_id = ?'),
    pruneAge: db.prepare('DELETE FROM herald_inbox WHERE handled_at < ?'),
    crowded: db.prepare('SELECT grp FROM herald_inbox GROUP BY grp HAVING count(*) > ?'),
    cutoff: db.prepare('SELECT handled_at AS at, rowid AS id FROM herald_inbox WHERE grp = ? ORDER BY handled_at DESC, rowid DESC LIMIT 1 OFFSET ?'),
    pruneCount: db.prepare('DELETE FROM herald_inbox WHERE grp = ? AND (handled_at < ? OR (handled_at = ? AND rowid <= ?))'),
    size: db.prepare('SELECT count(*) AS n FROM herald_inbox WHERE grp = ?'),
    sizeAll: db.prepare('SELECT count(*) AS n FROM herald_inbox'),
  };

  const record = (group: string, id: string): boolean => st.insert.run(group, id, clock.now()).changes === 1;
  const prune = (): number => writeTransaction(db, () => {
    let removed = st.pruneAge.run(clock.now() - maxAgeMs).changes;
    for (const { grp } of st.crowded.all(maxCount) as { grp: string }[]) {
      const cut = st.cutoff.get(grp, maxCount) as { at: number; id: number } | undefined;
      if (cut) removed += st.pruneCount.run(grp, cut.at, cut.at, cut.id).changes;
    }
    return removed;
  });
  const counted = (): void => {
    if (due()) prune();
  };

  return {
    handle(group, event, work) {
      assertGroup(group);
      const id = idOf(event);
      if (typeof work !== 'function') throw invalidArgument('work must be a function', { field: 'work' });
      const ran = writeTransaction(db, () => {
        if (!record(group, id)) return false;
        work(db);
        return true;
      });
      if (ran) counted();
      return ran;
    },
    has(group, id) {
      assertGroup(group);
      return st.has.get(group, idOf(id)) !== undefined;
    },
    add(group, id) {
      assertGroup(group);
      if (record(group, idOf(id))) counted();
    },
    prune,
    size(group) {
      return ((group === undefined ? st.sizeAll.get() : st.size.get(group)) as { n: number }).n;
    },
  };
}

/**
 * A consumer handler (for `subscribe`) whose writes commit with the inbox row of its event, in
 * the delivery's group: effectively once for effects in the inbox's database, on any backend.
 */
export function inboxHandler<T = unknown>(inbox: SqliteInbox, handler: (event: CloudEvent<T>, db: SqlDatabase, ctx: HandlerContext) => void): Handler<T> {
  if (typeof inbox?.handle !== 'function') throw invalidArgument('inbox must be a sqlite inbox', { field: 'inbox' });
  return (event, ctx) => { inbox.handle(ctx.delivery.group, event, (db) => { handler(event, db, ctx); }); };
}
