import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type pg from 'pg';
import { pgUp, skipWithoutPg, TestSchemas } from '../backends/postgres/test-helpers.js';
import { openAppPool } from '../../test/conformance/eventstore/pg-pool.js';
import { createEvent, type CloudEvent } from '../core/envelope.js';
import { MemoryLog } from '../log/memory/index.js';
import type { EventLog } from '../log/types.js';
import { pgOutbox } from './outbox-pg.js';
import { startOutboxRelay } from './outbox-relay.js';
import { pgTransaction } from './pg-client.js';

const schemas = new TestSchemas();
after(() => schemas.dropAll());

const placed = (order: string, n: number): CloudEvent => createEvent({ type: 'order.placed', key: order, data: { order, n } });

async function idsOn(log: EventLog, topic: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const stored of log.read(topic)) ids.push(stored.event.id);
  return ids;
}

/** Runs `body` on a fresh schema; what it passes to `stop` (relays, logs) is closed even when it fails. */
async function withPool(body: (pool: pg.Pool, stop: (closable: { close(): Promise<void> }) => void) => Promise<void>): Promise<void> {
  const pool = await openAppPool(schemas.fresh());
  const closables: { close(): Promise<void> }[] = [];
  try {
    await body(pool, (c) => { closables.push(c); });
  } finally {
    await Promise.allSettled(closables.map((c) => c.close()));
    await pool.end();
  }
}

if (!pgUp) skipWithoutPg('pgOutbox');
else describe('pgOutbox', () => {
  it('two relays at once move every row once, each topic in enqueue order, while writers keep enqueuing', () => withPool(async (pool, stop) => {
    const outbox = pgOutbox(pool);
    const log = new MemoryLog();
    const expected: Record<string, string[]> = { orders: [], payments: [] };
    const relays = [1, 2].map(() => startOutboxRelay({ outbox, log, batchSize: 5, pollInterval: 5 }));
    relays.forEach(stop);
    stop(log);
    for (let i = 0; i < 80; i++) {
      const topic = i % 4 === 0 ? 'payments' : 'orders';
      const events = [placed(`o-${i}`, 0), placed(`o-${i}`, 1)];
      await pgTransaction(pool, (tx) => outbox.enqueue(tx, topic, events));
      expected[topic]!.push(...events.map((e) => e.id));
    }
    await Promise.all(relays.map((r) => r.flush()));
    assert.deepEqual(await idsOn(log, 'orders'), expected.orders);
    assert.deepEqual(await idsOn(log, 'payments'), expected.payments);
    const statuses = await Promise.all(relays.map((r) => r.status()));
    assert.equal(statuses.reduce((n, s) => n + s.relayed, 0), 160, 'no row was appended by both relays');
    assert.equal(await outbox.pending(), 0);
  }));

  it('a row whose transaction commits while a later row is being relayed is relayed next, not lost', () => withPool(async (pool, stop) => {
    const outbox = pgOutbox(pool);
    const memory = new MemoryLog();
    const early = placed('early', 1);
    const late = placed('late', 2);
    // The early transaction takes the lower seq but commits last: right in the middle of the relay's batch.
    const slow = await pool.connect();
    await slow.query('BEGIN');
    await outbox.enqueue(slow, 'orders', early);
    await pgTransaction(pool, (tx) => outbox.enqueue(tx, 'orders', late));
    let committed = false;
    const log = new Proxy(memory, {
      get(target, prop, receiver) {
        if (prop !== 'append') return Reflect.get(target, prop, receiver) as unknown;
        return async (topic: string, events: readonly CloudEvent[]) => {
          if (!committed) { committed = true; await slow.query('COMMIT'); slow.release(); }
          return target.append(topic, events);
        };
      },
    });
    const relay = startOutboxRelay({ outbox, log, pollInterval: 10 });
    stop(relay);
    stop(memory);
    await relay.flush();
    await relay.flush();
    assert.deepEqual(await idsOn(memory, 'orders'), [late.id, early.id], 'in commit order: the early row was invisible to the first batch');
    assert.equal(await outbox.pending(), 0);
  }));

  it('enqueue validates its client and arguments', () => withPool(async (pool) => {
    const outbox = pgOutbox(pool);
    await assert.rejects(outbox.enqueue(undefined as never, 'orders', placed('o', 1)), { code: 'HERALD_E_INVALID_ARGUMENT', message: /client/ });
    await assert.rejects(outbox.enqueue(pool, 'bad topic', placed('o', 1)), { code: 'HERALD_E_INVALID_ARGUMENT' });
    assert.throws(() => pgOutbox({} as never), { code: 'HERALD_E_INVALID_ARGUMENT', message: /pool/ });
    assert.equal(await outbox.pending(), 0);
  }));
});
