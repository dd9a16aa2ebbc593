import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { createEvent } from '../core/envelope.js';
import { MemoryLog } from '../log/memory/index.js';
import { startOutboxRelay } from './outbox-relay.js';
import { sqliteOutbox } from './outbox-sqlite.js';

const dir = mkdtempSync(join(tmpdir(), 'herald-outbox-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function open(path: string): Database.Database {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 5000');
  return db;
}

describe('sqliteOutbox', () => {
  it('keeps whole events (extensions, data) and enqueues a list atomically inside the caller transaction', () => {
    const db = open(join(dir, 'a.db'));
    const outbox = sqliteOutbox(db);
    const event = createEvent({ type: 'order.placed', key: 'o-1', correlationid: 'c-1', data: { total: 1.5, items: ['a'] } });
    assert.throws(() => db.transaction(() => {
      outbox.enqueue('orders', [event]);
      outbox.enqueue('orders', [createEvent({ type: 'x' })]);
      throw new Error('rollback');
    })());
    assert.equal(outbox.pending(), 0, 'both enqueues rolled back with the caller');
    outbox.enqueue('orders', event);
    const [row] = outbox.peek(10) as { event: unknown; topic: string }[];
    assert.deepEqual(row?.event, event);
    db.close();
  });

  it('a relay picks up rows another process (connection) enqueued, by polling', async () => {
    const path = join(dir, 'b.db');
    const mine = open(path);
    const theirs = open(path);
    const log = new MemoryLog();
    const relay = startOutboxRelay({ outbox: sqliteOutbox(mine), log, pollInterval: 30 });
    const event = createEvent({ type: 'order.placed', data: {} });
    sqliteOutbox(theirs).enqueue('orders', event); // does not wake `relay`
    const deadline = Date.now() + 5_000;
    while ((await log.topicInfo('orders'))?.head !== 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.equal((await log.topicInfo('orders'))?.head, 1);
    await relay.close();
    mine.close();
    theirs.close();
  });
});
