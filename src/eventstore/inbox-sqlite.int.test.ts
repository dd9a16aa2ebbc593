import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { FakeClock } from '../../test/conformance/fake-clock.js';
import { createEvent } from '../core/envelope.js';
import { subscribe } from '../consumer/subscribe.js';
import { MemoryLog } from '../log/memory/index.js';
import { inboxHandler, sqliteInbox } from './inbox-sqlite.js';

const dir = mkdtempSync(join(tmpdir(), 'herald-inbox-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

function openDb(): Database.Database {
  const db = new Database(join(dir, `app-${++files}.db`));
  db.pragma('journal_mode = WAL');
  db.exec('CREATE TABLE effects (id TEXT NOT NULL)');
  return db;
}

const effects = (db: Database.Database): string[] => (db.prepare('SELECT id FROM effects ORDER BY rowid').all() as { id: string }[]).map((r) => r.id);

describe('sqliteInbox.handle', () => {
  it('runs the writes and records the id in one transaction; the same id later runs nothing', () => {
    const db = openDb();
    const inbox = sqliteInbox(db);
    const event = createEvent({ type: 'order.placed', data: {} });
    const write = (tx: { prepare(sql: string): { run(...a: unknown[]): unknown } }): void => { tx.prepare('INSERT INTO effects (id) VALUES (?)').run(event.id); };
    assert.equal(inbox.handle('billing', event, write), true);
    assert.equal(inbox.handle('billing', event, write), false);
    assert.equal(inbox.handle('billing', event.id, write), false, 'by id as well');
    assert.equal(inbox.handle('audit', event, write), true, 'groups are separate');
    assert.deepEqual(effects(db), [event.id, event.id]);
    db.close();
  });

  it('when the writes throw, nothing is recorded and a redelivery runs them again', () => {
    const db = openDb();
    const inbox = sqliteInbox(db);
    const event = createEvent({ type: 'order.placed', data: {} });
    assert.throws(() => inbox.handle('billing', event, (tx) => {
      tx.prepare('INSERT INTO effects (id) VALUES (?)').run('half-done');
      throw new Error('payment service down');
    }), /payment service down/);
    assert.deepEqual(effects(db), [], 'the partial write was rolled back');
    assert.equal(inbox.has('billing', event.id), false);
    assert.equal(inbox.handle('billing', event, (tx) => { tx.prepare('INSERT INTO effects (id) VALUES (?)').run(event.id); }), true);
    assert.deepEqual(effects(db), [event.id]);
    db.close();
  });

  it('validates its arguments', () => {
    const db = openDb();
    const inbox = sqliteInbox(db);
    assert.throws(() => inbox.handle('bad group!', 'id', () => undefined), { code: 'HERALD_E_INVALID_ARGUMENT' });
    assert.throws(() => inbox.handle('g', '', () => undefined), { code: 'HERALD_E_INVALID_ARGUMENT' });
    assert.throws(() => inbox.handle('g', 'id', 'no' as never), { code: 'HERALD_E_INVALID_ARGUMENT' });
    assert.throws(() => sqliteInbox({} as never), { code: 'HERALD_E_INVALID_ARGUMENT' });
    assert.throws(() => sqliteInbox(db, { retention: { maxCount: 0 } }), { code: 'HERALD_E_INVALID_ARGUMENT' });
    db.close();
  });
});

describe('sqliteInbox retention', () => {
  it('prunes ids older than maxAge', () => {
    const db = openDb();
    const clock = new FakeClock();
    const inbox = sqliteInbox(db, { clock, retention: { maxAge: '7d', pruneEvery: 0 } });
    inbox.add('g', 'old');
    clock.advance(6 * 86_400_000);
    inbox.add('g', 'recent');
    clock.advance(2 * 86_400_000);
    assert.equal(inbox.prune(), 1);
    assert.deepEqual([inbox.has('g', 'old'), inbox.has('g', 'recent')], [false, true]);
    db.close();
  });

  it('keeps the newest maxCount ids per group, automatically every pruneEvery handled events', () => {
    const db = openDb();
    const clock = new FakeClock();
    const inbox = sqliteInbox(db, { clock, retention: { maxCount: 3, pruneEvery: 4 } });
    for (const id of ['a1', 'a2', 'a3']) { inbox.add('a', id); clock.advance(1); }
    inbox.add('b', 'b1');
    assert.equal(inbox.size(), 4, 'the fourth add pruned, but nothing was over the limit');
    for (const id of ['a4', 'a5']) { inbox.add('a', id); clock.advance(1); }
    inbox.handle('a', 'a6', () => undefined);
    inbox.handle('a', 'a7', () => undefined); // the eighth: prunes
    assert.equal(inbox.size('a'), 3);
    assert.deepEqual(['a5', 'a6', 'a7'].map((id) => inbox.has('a', id)), [true, true, true]);
    assert.equal(inbox.has('a', 'a4'), false);
    assert.equal(inbox.size('b'), 1);
    db.close();
  });
});

describe('inboxHandler with the consumer runtime', () => {
  it('a redriven (redelivered) event is handled once', async () => {
    const db = openDb();
    const inbox = sqliteInbox(db);
    const log = new MemoryLog();
    const events = [1, 2, 3].map((n) => createEvent({ type: 'order.placed', data: { n } }));
    const receipts = await log.append('orders', events);
    const sub = subscribe(log, 'orders', { group: 'billing', pollInterval: 10 }, inboxHandler(inbox, (event, tx) => {
      tx.prepare('INSERT INTO effects (id) VALUES (?)').run(event.id);
    }));
    const waitHandled = async (n: number): Promise<void> => {
      for (let i = 0; i < 500 && sub.stats().handled < n; i++) await new Promise((r) => setTimeout(r, 10));
    };
    await waitHandled(3);
    await log.requeue('orders', 'billing', events[1]!, receipts[1]!.position);
    await waitHandled(4);
    assert.equal(sub.stats().handled, 4, 'the event came back');
    assert.deepEqual(effects(db), events.map((e) => e.id), 'its effect did not run twice');
    await sub.close();
    await log.close();
    db.close();
  });
});
