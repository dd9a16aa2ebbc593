import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import pg from 'pg';
import { createEvent } from '../../core/envelope.js';
import type { PostgresLog } from './postgres-log.js';
import { concurrently, followLive, missed, PG_URL, pgUp, skipWithoutPg, TestSchemas } from './test-helpers.js';

if (pgUp) {
  describe('postgres: a reader following positions never skips a row committed out of order', () => {
    const schemas = new TestSchemas();
    after(() => schemas.dropAll());

    it('control: on a plain bigserial table a reader following ids does skip rows (the harness can fail)', { timeout: 30_000 }, async () => {
      const schema = schemas.fresh();
      const pool = new pg.Pool({ connectionString: PG_URL, max: 9 });
      try {
        await pool.query(`CREATE SCHEMA "${schema}"; CREATE TABLE "${schema}".control (id bigserial PRIMARY KEY)`);
        const committed: number[] = [];
        let left = 400;
        const write = (): Promise<void> => concurrently(8, async () => {
          if (left-- <= 0) return false;
          const client = await pool.connect();
          try {
            await client.query('BEGIN');
            const { rows } = await client.query<{ id: string }>(`INSERT INTO "${schema}".control DEFAULT VALUES RETURNING id`);
            await client.query('SELECT pg_sleep(random() * 0.004)');
            await client.query('COMMIT');
            committed.push(Number(rows[0]!.id));
          } finally {
            client.release();
          }
          return true;
        });
        const seen = await followLive(write, async (last) =>
          (await pool.query<{ id: string }>(`SELECT id FROM "${schema}".control WHERE id > $1 ORDER BY id`, [last])).rows.map((r) => Number(r.id)));
        assert.ok(missed(committed, seen).length > 0, 'sequence ids commit out of order, and a reader following them misses some');
      } finally {
        await pool.end();
      }
    });

    it('many writers in four logs, one reader following live: every position exactly once, in order, no gaps', { timeout: 60_000 }, async () => {
      const schema = schemas.fresh();
      const writers: PostgresLog[] = [];
      for (let i = 0; i < 4; i++) writers.push(await schemas.open(schema));
      const reader = await schemas.open(schema);
      try {
        const total = 3000;
        let left = total;
        const committed: number[] = [];
        const write = (): Promise<void> => Promise.all(writers.map((log) => concurrently(3, async () => {
          const size = Math.min(left, 1 + Math.floor(Math.random() * 4));
          if (size <= 0) return false;
          left -= size;
          const events = Array.from({ length: size }, () => createEvent({ type: 'order.tick', data: {} }));
          committed.push(...(await log.append('ticks', events)).map((r) => r.position));
          return true;
        }))).then(() => undefined);
        const seen = await followLive(write, async (last) => {
          const page: number[] = [];
          for await (const stored of reader.read('ticks', { from: { position: last + 1 } })) page.push(stored.position);
          return page;
        });
        assert.equal(committed.length, total);
        assert.deepEqual(missed(committed, seen), [], 'no committed position was skipped');
        assert.deepEqual(seen, Array.from({ length: total }, (_, i) => i + 1), 'each position once, in order, contiguous');
      } finally {
        await Promise.all([...writers, reader].map((log) => log.close()));
      }
    });
  });
} else {
  skipWithoutPg('postgres reader ordering');
}
