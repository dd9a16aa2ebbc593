/**
 * Event-sourced streams on PostgreSQL across several logs (several pools, as several processes):
 * a reader following `$all` never skips an event committed out of order, expected revisions hold
 * across logs, and `onAppendAll` reaches other processes. A control shows that with `$all`
 * positions from a sequence the same harness catches a reader skipping events.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import pg from 'pg';
import { createEvent } from '../../core/envelope.js';
import { isHeraldError } from '../../core/errors.js';
import { quoteIdent } from './db.js';
import { MIGRATIONS } from './migrations.js';
import type { PostgresLog } from './postgres-log.js';
import { concurrently, followLive, missed, PG_URL, pgUp, skipWithoutPg, TestSchemas } from './test-helpers.js';

const tick = (n: number): ReturnType<typeof createEvent> => createEvent({ type: 'cart.ticked', data: { n } });

async function openMany(schemas: TestSchemas, schema: string, count: number): Promise<PostgresLog[]> {
  const logs: PostgresLog[] = [];
  for (let i = 0; i < count; i++) logs.push(await schemas.open(schema, { poolSize: 4 }));
  return logs;
}

/**
 * Four loops per log appending `total` events (1-3 per append) to 40 streams of 8 categories, so 8
 * topics: the topic row locks alone do not order the commits. `committed` collects the `$all`
 * positions acknowledged.
 */
function streamWriters(writers: readonly PostgresLog[], total: number): { write: () => Promise<void>; committed: number[]; appends: () => number } {
  let left = total;
  let appends = 0;
  const committed: number[] = [];
  const write = (): Promise<void> => Promise.all(writers.map((log) => concurrently(4, async () => {
    const size = Math.min(left, 1 + Math.floor(Math.random() * 3));
    if (size <= 0) return false;
    left -= size;
    const n = Math.floor(Math.random() * 40);
    const r = await log.streams.appendToStream(`cat${n % 8}-${n}`, Array.from({ length: size }, (_, i) => tick(i)));
    appends++;
    for (let g = r.globalPosition - size + 1; g <= r.globalPosition; g++) committed.push(g);
    return true;
  }))).then(() => undefined);
  return { write, committed, appends: () => appends };
}

/**
 * Migration 2's append_stream_events with the all_head lock replaced by a sequence: the naive
 * allocation the control test shows to be wrong (derived from the migration, so it stays in step).
 */
function naiveAppendFunction(s: string, schema: string): string {
  const migration = MIGRATIONS.find((m) => m.version === 2)!.sql(s, schema);
  const fn = migration.slice(migration.indexOf('CREATE FUNCTION'));
  const edits: Array<[RegExp, string]> = [
    [/^CREATE FUNCTION/, 'CREATE OR REPLACE FUNCTION'],
    [/ *UPDATE \S+\.all_head SET head = head \+ n RETURNING head - n INTO g;\n/, ''],
    [/SELECT g \+ i\.o, p_stream/, `SELECT nextval('${s}.naive_all'), p_stream`],
    [/g \+ i\.o FROM unnest/, `(SELECT x.global FROM ${s}.stream_events x WHERE x.stream_id = p_stream AND x.revision = s_rev + i.o) FROM unnest`],
  ];
  let naive = fn;
  for (const [from, to] of edits) {
    assert.match(naive, from, 'the migration still has the statement the control replaces');
    naive = naive.replace(from, to);
  }
  return `CREATE SEQUENCE ${s}.naive_all; ${naive}`;
}

if (pgUp) {
  describe('postgres streams: several logs at once', () => {
    const schemas = new TestSchemas();
    after(() => schemas.dropAll());

    it('control: with $all positions from a sequence, a reader following them does skip events (the harness can fail)', { timeout: 120_000 }, async () => {
      const schema = schemas.fresh();
      const writers = await openMany(schemas, schema, 4);
      const pool = new pg.Pool({ connectionString: PG_URL, max: 2 });
      try {
        await pool.query(naiveAppendFunction(quoteIdent(schema), schema));
        const { write, committed } = streamWriters(writers, 1500);
        const seen = await followLive(write, async (last) =>
          (await pool.query<{ g: number }>(`SELECT global::integer AS g FROM "${schema}".stream_events WHERE global > $1 ORDER BY global`, [last])).rows.map((r) => r.g));
        assert.equal(committed.length, 1500);
        assert.ok(missed(committed, seen).length > 0, 'positions commit out of order, and a reader following them misses some');
      } finally {
        await pool.end();
        await Promise.all(writers.map((log) => log.close()));
      }
    });

    it('16 appenders in four logs to 40 streams of 8 categories, one reader following $all live: every position once, in order, no gaps', { timeout: 120_000 }, async (t) => {
      const schema = schemas.fresh();
      const writers = await openMany(schemas, schema, 4);
      const [reader] = await openMany(schemas, schema, 1);
      try {
        const total = 1500;
        const started = Date.now();
        const { write, committed, appends } = streamWriters(writers, total);
        const revisionsSeen = new Map<string, number[]>();
        const seen = await followLive(write, async (last) => {
          const page: number[] = [];
          for await (const e of reader!.streams.readAll({ fromPosition: last + 1 })) {
            page.push(e.globalPosition);
            let mine = revisionsSeen.get(e.stream);
            if (!mine) revisionsSeen.set(e.stream, (mine = []));
            mine.push(e.revision);
          }
          return page;
        });
        const seconds = (Date.now() - started) / 1000;
        t.diagnostic(`${appends()} stream appends (${total} events) in ${seconds.toFixed(1)} s: ${Math.round(appends() / seconds)} appends/s, ${Math.round(total / seconds)} events/s`);
        assert.equal(committed.length, total);
        assert.deepEqual(missed(committed, seen), [], 'no committed $all position was skipped');
        assert.deepEqual(seen, Array.from({ length: total }, (_, i) => i + 1), 'each $all position once, in order, contiguous');
        for (const [stream, revisions] of revisionsSeen) {
          assert.deepEqual(revisions, Array.from({ length: revisions.length }, (_, i) => i + 1), `${stream}: revisions in order within $all`);
        }
        assert.equal(await reader!.streams.headPosition(), total);
      } finally {
        await Promise.all([...writers, reader!].map((log) => log.close()));
      }
    });

    it('appenders in four logs racing on one stream with expected revisions: revisions contiguous, each conflict reports the newer revision', { timeout: 60_000 }, async () => {
      const schema = schemas.fresh();
      const logs = await openMany(schemas, schema, 4);
      try {
        let conflicts = 0;
        const landed: number[] = [];
        await Promise.all(logs.flatMap((log) => [0, 1, 2].map(async () => {
          let expected = 0;
          for (let k = 0; k < 4;) {
            try {
              const r = await log.streams.appendToStream('busy-1', [tick(k)], { expectedRevision: expected });
              landed.push(r.revision);
              expected = r.revision;
              k++;
            } catch (error) {
              if (!isHeraldError(error, 'HERALD_E_WRONG_REVISION')) throw error;
              conflicts++;
              const actual = error.details.actualRevision as number;
              assert.ok(actual > expected, 'a conflict means another writer moved the stream on');
              expected = actual;
            }
          }
        })));
        const stored = [];
        for await (const e of logs[0]!.streams.readStream('busy-1')) stored.push(e.revision);
        assert.deepEqual(stored, Array.from({ length: 48 }, (_, i) => i + 1));
        assert.deepEqual([...landed].sort((a, b) => a - b), stored, 'each acknowledged revision is stored once');
        assert.ok(conflicts > 0, 'the logs did race');
      } finally {
        await Promise.all(logs.map((log) => log.close()));
      }
    });

    it('onAppendAll hears stream appends made by another log (NOTIFY after commit), not plain topic appends', { timeout: 30_000 }, async () => {
      const schema = schemas.fresh();
      const [writer, listener] = await openMany(schemas, schema, 2);
      try {
        let heard = 0;
        const off = listener!.streams.onAppendAll(() => { heard++; });
        // The LISTEN connection opens in the background: append until the first wake-up arrives.
        for (let i = 0; heard === 0 && i < 50; i++) {
          await writer!.streams.appendToStream('ping-1', [tick(i)]);
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        assert.ok(heard > 0, 'a stream append in another log woke the listener');
        const before = heard;
        await writer!.append('plain', [tick(0)]);
        await new Promise((resolve) => setTimeout(resolve, 300));
        assert.equal(heard, before, 'a plain topic append is not a stream append');
        off();
        await writer!.streams.appendToStream('ping-1', [tick(99)]);
        await new Promise((resolve) => setTimeout(resolve, 300));
        assert.equal(heard, before, 'unsubscribed');
      } finally {
        await Promise.all([writer!, listener!].map((log) => log.close()));
      }
    });
  });
} else {
  skipWithoutPg('postgres streams across logs');
}
