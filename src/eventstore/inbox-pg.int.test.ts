import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type pg from 'pg';
import { pgUp, skipWithoutPg, TestSchemas } from '../backends/postgres/test-helpers.js';
import { openAppPool } from '../../test/conformance/eventstore/pg-pool.js';
import { FakeClock } from '../../test/conformance/fake-clock.js';
import { createEvent } from '../core/envelope.js';
import { MemoryLog } from '../log/memory/index.js';
import { pgInbox, pgInboxHandler } from './inbox-pg.js';
import { pgTransaction } from './pg-client.js';

const schemas = new TestSchemas();
after(() => schemas.dropAll());

async function withPool(body: (pool: pg.Pool) => Promise<void>): Promise<void> {
  const pool = await openAppPool(schemas.fresh());
  await pool.query('CREATE TABLE effects (id TEXT NOT NULL)');
  try { await body(pool); } finally { await pool.end(); }
}

const effects = async (pool: pg.Pool): Promise<string[]> => ((await pool.query('SELECT id FROM effects ORDER BY id')).rows as { id: string }[]).map((r) => r.id);

if (!pgUp) skipWithoutPg('pgInbox');
else describe('pgInbox', () => {
  it('handle runs the work once per (group, event id), in the transaction of the inbox row', () => withPool(async (pool) => {
    const inbox = pgInbox(pool);
    const event = createEvent({ type: 'order.placed', data: 1 });
    const work = async (tx: { query(text: string, values?: unknown[]): Promise<unknown> }): Promise<void> => { await tx.query('INSERT INTO effects (id) VALUES ($1)', [event.id]); };
    assert.equal(await inbox.handle('billing', event, work), true);
    assert.equal(await inbox.handle('billing', event, work), false, 'a redelivery is skipped');
    assert.equal(await inbox.handle('audit', event, work), true, 'another group handles it too');
    assert.deepEqual(await effects(pool), [event.id, event.id]);
    assert.deepEqual([await inbox.has('billing', event.id), await inbox.size('billing'), await inbox.size()], [true, 1, 2]);
  }));

  it('a failing handler records nothing, so the redelivery runs again', () => withPool(async (pool) => {
    const inbox = pgInbox(pool);
    const event = createEvent({ type: 'order.placed', data: 1 });
    await assert.rejects(inbox.handle('billing', event, async (tx) => {
      await tx.query('INSERT INTO effects (id) VALUES ($1)', ['half-done']);
      throw new Error('boom');
    }), /boom/);
    assert.deepEqual([await effects(pool), await inbox.has('billing', event.id)], [[], false], 'rolled back together');
    assert.equal(await inbox.handle('billing', event, async (tx) => { await tx.query("INSERT INTO effects (id) VALUES ('retried')"); }), true);
    assert.deepEqual(await effects(pool), ['retried']);
  }));

  it('concurrent deliveries of one event run the work once', () => withPool(async (pool) => {
    const inbox = pgInbox(pool);
    const event = createEvent({ type: 'order.placed', data: 1 });
    const ran = await Promise.all(Array.from({ length: 5 }, () => inbox.handle('billing', event, async (tx) => {
      await tx.query('INSERT INTO effects (id) VALUES ($1)', [event.id]);
      await new Promise((r) => setTimeout(r, 20)); // hold the transaction while the others arrive
    })));
    assert.equal(ran.filter(Boolean).length, 1);
    assert.deepEqual(await effects(pool), [event.id]);
  }));

  it('record joins your own transaction', () => withPool(async (pool) => {
    const inbox = pgInbox(pool);
    const event = createEvent({ type: 'order.placed', data: 1 });
    const first = await pgTransaction(pool, async (tx) => inbox.record(tx, 'billing', event));
    const again = await pgTransaction(pool, async (tx) => inbox.record(tx, 'billing', event.id));
    assert.deepEqual([first, again], [true, false]);
    await assert.rejects(inbox.record(pool, 'bad group!', event), { code: 'HERALD_E_INVALID_ARGUMENT' });
  }));

  it('prunes ids by age and by count per group', () => withPool(async (pool) => {
    const clock = new FakeClock(1_000_000);
    const inbox = pgInbox(pool, { clock, retention: { maxAge: '1h', maxCount: 3, pruneEvery: 0 } });
    for (let i = 0; i < 5; i++) { await inbox.add('a', `old-${i}`); clock.advance(1); }
    clock.advance(2 * 3_600_000);
    for (let i = 0; i < 5; i++) { await inbox.add('b', `new-${i}`); clock.advance(1); }
    assert.equal(await inbox.prune(), 7, 'all of a (too old), the two oldest of b (over the count)');
    assert.deepEqual([await inbox.size('a'), await inbox.size('b')], [0, 3]);
    assert.deepEqual([await inbox.has('b', 'new-1'), await inbox.has('b', 'new-2')], [false, true]);
  }));

  it('pgInboxHandler makes a subscriber effectively once across redeliveries', () => withPool(async (pool) => {
    const inbox = pgInbox(pool);
    const log = new MemoryLog();
    const events = [1, 2, 3].map((n) => createEvent({ type: 'order.placed', data: n }));
    await log.append('orders', events);
    let calls = 0;
    const handler = pgInboxHandler(inbox, async (event, tx) => { calls++; await tx.query('INSERT INTO effects (id) VALUES ($1)', [event.id]); });
    for (const d of await log.fetch('orders', 'billing', { max: 10, leaseMs: 60_000 })) {
      await handler(d.event, { delivery: d, signal: new AbortController().signal });
      await handler(d.event, { delivery: d, signal: new AbortController().signal }); // redelivered before the ack
    }
    assert.equal(calls, 3);
    assert.deepEqual(await effects(pool), events.map((e) => e.id).sort());
    await log.close();
  }));
});
