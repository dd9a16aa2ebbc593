/**
 * A fetch opens with one round trip (BEGIN and `fetch_begin`: lock, state, expired runs, the first
 * page of new events) and, for keyless new events, closes with one (its writes with COMMIT): the
 * group's lock is held across one turn of the client's event loop, not ten (migration-8.ts).
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import pg from 'pg';
import { createEvent } from '../../core/envelope.js';
import { isHeraldError } from '../../core/errors.js';
import type { Delivery } from '../../log/types.js';
import { Closing, Db } from './db.js';
import { resolveOptions } from './options.js';
import { PG_URL, skipWithoutPg, pgUp, TestSchemas } from './test-helpers.js';

/**
 * The SQL texts this process sends while `work` runs, but for the log's own background queries:
 * the LISTEN connection's keep-alive `SELECT 1` and the append wake-ups' `pg_notify`.
 */
async function queriesOf(work: () => Promise<unknown>): Promise<string[]> {
  const sent: string[] = [];
  const proto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const query = Object.getOwnPropertyDescriptor(proto, 'query')!;
  proto.query = function (this: unknown, ...args: unknown[]) {
    const text = args[0];
    sent.push(typeof text === 'string' ? text : String((text as { text?: unknown }).text));
    return (query.value as (...a: unknown[]) => unknown).apply(this, args);
  };
  try {
    await work();
  } finally {
    Object.defineProperty(proto, 'query', query);
  }
  return sent.filter((text) => text !== 'SELECT 1' && !text.includes('pg_notify'));
}

const acks = (batch: readonly Delivery[]) => batch.map((d) => ({ kind: 'ack' as const, position: d.position, leaseId: d.leaseId }));
const positions = (batch: readonly Delivery[]): number[] => batch.map((d) => d.position);

if (pgUp) {
  describe('postgres: fetch round trips', () => {
    const schemas = new TestSchemas();
    after(() => schemas.dropAll());

    it('a fetch of keyless new events is two round trips: BEGIN with fetch_begin, its writes with COMMIT', async () => {
      const log = await schemas.open(schemas.fresh());
      try {
        await log.append('orders', Array.from({ length: 20 }, (_, n) => createEvent({ type: 'placed', data: { n } })));
        assert.deepEqual(positions(await log.fetch('orders', 'g', { max: 5, leaseMs: 60_000 })), [1, 2, 3, 4, 5]);
        let batch: Delivery[] = [];
        const sent = await queriesOf(async () => { batch = await log.fetch('orders', 'g', { max: 5, leaseMs: 60_000 }); });
        assert.deepEqual(positions(batch), [6, 7, 8, 9, 10]);
        assert.equal(sent.length, 2, sent.join('\n---\n'));
        assert.match(sent[0]!, /^BEGIN; SELECT .*fetch_begin\(/s);
        assert.match(sent[1]!, /lease_runs.*; COMMIT$/s);
        // Nothing new: one round trip and COMMIT.
        await log.fetch('orders', 'g', { max: 100, leaseMs: 60_000 });
        const idle = await queriesOf(() => log.fetch('orders', 'g', { max: 5, leaseMs: 60_000 }));
        assert.deepEqual(idle.map((q) => q.split(' ')[0]), ['BEGIN;', 'COMMIT']);
      } finally {
        await log.close();
      }
    });

    it('redeliveries come first, then new events from the page fetch_begin read ahead', async () => {
      const log = await schemas.open(schemas.fresh());
      try {
        await log.append('orders', Array.from({ length: 12 }, (_, n) => createEvent({ type: 'placed', data: { n }, ...(n % 3 === 0 ? { partitionkey: `k${n}` } : {}) })));
        const first = await log.fetch('orders', 'g', { max: 4, leaseMs: 60_000 });
        assert.deepEqual(positions(first), [1, 2, 3, 4]);
        await log.settle('orders', 'g', [
          { kind: 'nack', position: 2, leaseId: first[1]!.leaseId, delayMs: 0 },
          { kind: 'nack', position: 4, leaseId: first[3]!.leaseId, delayMs: 0 },
          ...acks([first[0]!, first[2]!]),
        ]);
        const next = await log.fetch('orders', 'g', { max: 5, leaseMs: 60_000 });
        assert.deepEqual(positions(next), [2, 4, 5, 6, 7]);
        assert.deepEqual(next.map((d) => d.attempt), [2, 2, 1, 1, 1]);
        await log.settle('orders', 'g', acks(next));
        assert.deepEqual(positions(await log.fetch('orders', 'g', { max: 100, leaseMs: 60_000 })), [8, 9, 10, 11, 12]);
      } finally {
        await log.close();
      }
    });

    it('a group another process deleted is made again by the next fetch', async () => {
      const schema = schemas.fresh();
      const [a, b] = [await schemas.open(schema), await schemas.open(schema)];
      try {
        await a.append('orders', Array.from({ length: 3 }, (_, n) => createEvent({ type: 'placed', data: { n } })));
        const batch = await a.fetch('orders', 'g', { max: 10, leaseMs: 60_000 });
        await a.settle('orders', 'g', acks(batch));
        assert.deepEqual(await a.fetch('orders', 'g', { max: 10, leaseMs: 60_000 }), []);
        await b.deleteGroup('orders', 'g');
        assert.deepEqual(positions(await a.fetch('orders', 'g', { max: 10, leaseMs: 60_000, from: 'earliest' })), [1, 2, 3]);
      } finally {
        await a.close();
        await b.close();
      }
    });

    it('a transaction whose opening fails is rolled back: its connection goes back to the pool usable', async () => {
      const db = new Db(resolveOptions({ connectionString: PG_URL, schema: schemas.fresh(), poolSize: 1 }));
      try {
        await assert.rejects(db.tx('opening', async () => 'unreachable', 'SELECT 1 / 0'), /division by zero/);
        const closing = await db.tx('closing', async () => new Closing('done', 'SELECT 1 / 0'), 'SELECT 1').catch((error: unknown) => error);
        assert.match(String(closing), /division by zero/);
        // One connection in the pool: a transaction left open would fail this ("current transaction is aborted").
        assert.deepEqual(await db.query<{ n: number }>('SELECT 1 AS n', [], 'probing'), [{ n: 1 }]);
        assert.equal(await db.tx('again', async (_sql, opened) => opened[0]?.n as number, 'SELECT 2 AS n'), 2);
      } finally {
        await db.end();
      }
    });

    it('a clock that is not a whole number of milliseconds is refused, naming it', async () => {
      const clock = { now: () => 1_000.5 };
      const log = await schemas.open(schemas.fresh(), { clock });
      try {
        await assert.rejects(log.fetch('orders', 'g', { max: 1, leaseMs: 1_000 }),
          (error: unknown) => isHeraldError(error, 'HERALD_E_INVALID_ARGUMENT') && /clock/.test(error.message));
      } finally {
        await log.close();
      }
    });
  });
} else {
  skipWithoutPg('postgres: fetch round trips');
}
