/**
 * R12: PostgreSQL skips. 16 writers (each its own PostgresLog, own connection) append
 * `HERALD_R12_EVENTS` (20,000) events in batches while two position-following readers run live:
 * a `read` loop asking for positions after the last one it saw, and a consumer group. Each
 * append transaction sleeps 0–`HERALD_R12_MAX_SLEEP_MS` (200) ms just before COMMIT.
 *
 * The sleep goes through the real adapter: `append_events` is one statement, so there is no hook
 * between it and COMMIT; a DEFERRABLE INITIALLY DEFERRED constraint trigger on the test schema's
 * `events` table runs at COMMIT, after every row is written and positions assigned, and sleeps
 * once per transaction. A position reader would skip a row if a later position became visible
 * before an earlier one: the history checker reports that as `gap`/`lost` for the reader and
 * `skip`/`lost` for the group.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import pg from 'pg';
import { createEvent, keyOf } from '../../src/core/envelope.js';
import { isHeraldError } from '../../src/core/errors.js';
import { subscribe } from '../../src/consumer/subscribe.js';
import type { PostgresLog } from '../../src/backends/postgres/postgres-log.js';
import { concurrently, PG_URL, pgUp, skipWithoutPg, TestSchemas } from '../../src/backends/postgres/test-helpers.js';
import { seededRandom, seedFromEnv } from '../crash/random.js';
import { check, describeResult, History, type Seen } from './history.js';

const EVENTS = Number(process.env.HERALD_R12_EVENTS ?? 20_000);
const WRITERS = Number(process.env.HERALD_R12_WRITERS ?? 16);
const MAX_SLEEP_MS = Number(process.env.HERALD_R12_MAX_SLEEP_MS ?? 200);
const TOPIC = 'ticks';
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * The COMMIT-time sleep: once per transaction (a transaction-local setting marks it done); each
 * sleep is recorded in `slept`, so the test can check every append transaction slept.
 */
async function slowCommits(schema: string, maxMs: number): Promise<void> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    await client.query(`
      CREATE TABLE "${schema}".slept (seconds float8 NOT NULL);
      CREATE FUNCTION "${schema}".sleep_before_commit() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE v float8 := random() * ${maxMs / 1000};
      BEGIN
        IF current_setting('herald_test.slept', true) IS DISTINCT FROM 'yes' THEN
          PERFORM set_config('herald_test.slept', 'yes', true);
          INSERT INTO "${schema}".slept VALUES (v);
          PERFORM pg_sleep(v);
        END IF;
        RETURN NULL;
      END $$;
      CREATE CONSTRAINT TRIGGER sleep_before_commit AFTER INSERT ON "${schema}".events
        DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION "${schema}".sleep_before_commit();`);
  } finally {
    await client.end();
  }
}

async function sleptIn(schema: string): Promise<{ count: number; seconds: number }> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    const { rows } = await client.query<{ count: string; seconds: number | null }>(`SELECT count(*) AS count, sum(seconds) AS seconds FROM "${schema}".slept`);
    return { count: Number(rows[0]!.count), seconds: rows[0]!.seconds ?? 0 };
  } finally {
    await client.end();
  }
}

if (pgUp) {
  describe('R12: PostgreSQL position readers skip nothing while commits are delayed', () => {
    const schemas = new TestSchemas();
    after(() => schemas.dropAll());

    it(`${WRITERS} writers, ${EVENTS} events, 0–${MAX_SLEEP_MS} ms before each COMMIT; a read follower and a consumer group live`, { timeout: 5 * 60_000 }, async () => {
      const seed = seedFromEnv();
      console.log(`R12 seed ${seed} (replay with HERALD_SEED=${seed}; the COMMIT sleeps use the server's random())`);
      const random = seededRandom(seed);
      const schema = schemas.fresh();
      const reader = await schemas.open(schema);
      await slowCommits(schema, MAX_SLEEP_MS);
      const writers: PostgresLog[] = [];
      for (let i = 0; i < WRITERS; i++) writers.push(await schemas.open(schema, { poolSize: 1 }));
      const history = new History();
      let left = EVENTS;
      let next = 0;
      let transactions = 0;
      let unknown = 0;
      let writing = true;
      const started = Date.now();
      const write = Promise.all(writers.map((log, w) => concurrently(1, async () => {
        const size = Math.min(left, 1 + Math.floor(random() * 2 * (EVENTS / 300)));
        if (size <= 0) return false;
        left -= size;
        const events = Array.from({ length: size }, () => createEvent({ id: `e${next++}`, type: 'tick', key: `k${next % 50}`, data: {} }));
        events.forEach((e) => history.invoke(`w${w}`, TOPIC, keyOf(e) ?? 'k', e.id));
        for (;;) {
          try {
            const receipts = await log.append(TOPIC, events);
            receipts.forEach((r) => history.ok(r.id, r.position));
            if (receipts.some((r) => !r.duplicate)) transactions++;
            return true;
          } catch (error) {
            // 16 writers queue on the topic row for up to 200 ms each: on a loaded machine a wait
            // can outlast the client's query timeout (HERALD_E_UNAVAILABLE, outcome unknown). A
            // producer resends the same ids, which are stored once.
            if (!isHeraldError(error, 'HERALD_E_UNAVAILABLE')) throw error;
            unknown++;
          }
        }
      }))).finally(() => { writing = false; });

      // Follower 1: read everything after the last position seen, over and over.
      const followed: Seen[] = [];
      const follow = (async (): Promise<void> => {
        for (let last = 0, quiet = 0; quiet < 2;) {
          let page = 0;
          for await (const e of reader.read(TOPIC, { from: { position: last + 1 } })) {
            followed.push({ position: e.position, id: e.event.id, key: keyOf(e.event) ?? 'k' });
            last = e.position;
            page++;
          }
          if (!writing && page === 0) quiet++;
          else if (page === 0) await sleep(5);
        }
      })();
      // Follower 2: a consumer group (fetch advances the group's cursor by position).
      const group = subscribe(reader, TOPIC, { group: 'audit', pollInterval: 20, concurrency: 16 }, (event, ctx) => {
        history.deliver(TOPIC, 'audit', { position: ctx.delivery.position, id: event.id, key: keyOf(event) ?? 'k' });
      });
      await write;
      const wroteMs = Date.now() - started;
      await follow;
      for (;;) {
        const lag = (await reader.groups(TOPIC)).find((g) => g.group === 'audit')?.lag;
        if (lag === 0) break;
        await sleep(50);
      }
      await group.close();
      await Promise.all([reader, ...writers].map((log) => log.close()));
      const slept = await sleptIn(schema);
      history.read(TOPIC, followed);

      const result = check(history.ops, { contiguous: true });
      console.log(`R12: ${EVENTS} events in ${transactions} transactions by ${WRITERS} writers in ${wroteMs} ms (${unknown} appends resent after an unknown outcome); ` +
        `${slept.count} COMMIT sleeps, ${slept.seconds.toFixed(1)} s in total; ` +
        `follower saw ${followed.length}, group delivered ${history.ops.filter((o) => o.f === 'deliver').length}; ${describeResult(result)}`);
      assert.equal(result.counts.acked, EVENTS);
      // An attempt that timed out slept too if it committed after all (its retry then stores nothing).
      assert.ok(slept.count >= transactions && slept.count <= transactions + unknown, `every append transaction slept before its COMMIT (${slept.count} sleeps, ${transactions} transactions, ${unknown} unknown outcomes)`);
      assert.equal(followed.length, EVENTS, 'the follower saw every event once');
      assert.deepEqual(result.anomalies, [], describeResult(result));
    });
  });
} else {
  skipWithoutPg('R12 PostgreSQL skips');
}
