/**
 * SIGKILL test of the outbox on PostgreSQL: with two relays in the killed process, the log holds
 * every committed event once, in commit order per topic, and nothing rolled back, however often
 * the process dies (including between an append and the delete of its rows). HERALD_CRASH_CYCLES
 * sets the kills, HERALD_SEED replays one.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { openPostgresLog } from '../../../src/backends/postgres/index.js';
import { PG_URL, pgUp, skipWithoutPg, TestSchemas } from '../../../src/backends/postgres/test-helpers.js';
import { seededRandom, seedFromEnv } from '../../crash/random.js';
import { runChild } from './crash-tools.js';
import { openAppPool } from './pg-pool.js';

const CYCLES = Number(process.env.HERALD_CRASH_CYCLES ?? 12);
const TOPICS = ['orders', 'payments'];
const schemas = new TestSchemas();
after(() => schemas.dropAll());

/** Ids per topic, in log order; fails on an id stored twice. */
async function logIds(schema: string): Promise<Map<string, string[]>> {
  const log = await openPostgresLog({ connectionString: PG_URL, schema, poolSize: 1 });
  const out = new Map<string, string[]>();
  const all = new Set<string>();
  for (const topic of TOPICS) {
    const ids: string[] = [];
    for await (const stored of log.read(topic)) {
      assert.ok(!all.has(stored.event.id), `${stored.event.id} is on the log twice`);
      all.add(stored.event.id);
      ids.push(stored.event.id);
    }
    out.set(topic, ids);
  }
  await log.close();
  return out;
}

/** Committed orders' event ids per topic, in commit order (one writer: seq order), and the first pending outbox row. */
async function committed(schema: string): Promise<{ byTopic: Map<string, string[]>; firstPending: string | undefined }> {
  const pool = await openAppPool(schema, 1);
  try {
    const exists = async (table: string): Promise<boolean> => ((await pool.query('SELECT to_regclass($1) IS NOT NULL AS ok', [table])).rows[0] as { ok: boolean }).ok;
    const rows = await exists('orders') ? (await pool.query('SELECT topic, ids FROM orders ORDER BY seq')).rows as { topic: string; ids: string }[] : [];
    const pending = await exists('herald_outbox') ? (await pool.query('SELECT event_id FROM herald_outbox ORDER BY seq LIMIT 1')).rows[0] as { event_id: string } | undefined : undefined;
    const byTopic = new Map<string, string[]>(TOPICS.map((t) => [t, []]));
    for (const r of rows) byTopic.get(r.topic)!.push(...(JSON.parse(r.ids) as string[]));
    return { byTopic, firstPending: pending?.event_id };
  } finally {
    await pool.end();
  }
}

if (!pgUp) skipWithoutPg('outbox relay SIGKILL test on PostgreSQL');
else test(`the PostgreSQL outbox with two relays loses and duplicates nothing across ${CYCLES} SIGKILLs, in commit order`, { timeout: 10 * 60_000 }, async () => {
  const seed = seedFromEnv();
  const random = seededRandom(seed);
  const schema = schemas.fresh();
  const rolledBack = new Set<string>();
  let betweenAppendAndDelete = 0;
  const check = async (): Promise<number> => {
    const onLog = await logIds(schema);
    const { byTopic, firstPending } = await committed(schema);
    let relayed = 0;
    for (const [topic, ids] of onLog) {
      assert.deepEqual(ids, byTopic.get(topic)!.slice(0, ids.length), `${topic}: the log is a prefix of the commit order (seed ${seed})`);
      for (const id of ids) assert.ok(!rolledBack.has(id), `rolled-back event ${id} reached the log`);
      relayed += ids.length;
    }
    if (firstPending !== undefined && [...onLog.values()].some((ids) => ids.includes(firstPending))) betweenAppendAndDelete++;
    return relayed;
  };

  for (let cycle = 1; cycle <= CYCLES; cycle++) {
    const lines = await runChild('crash-relay-pg-child.js', [schema, `r${cycle}`], 200 + Math.floor(random() * 800));
    for (const line of lines) if (line.startsWith('R ')) line.slice(2).split(' ').forEach((id) => rolledBack.add(id));
    await check();
  }
  const lines = await runChild('crash-relay-pg-child.js', [schema, 'drain', 'drain']);
  assert.equal(lines.at(-1), 'DRAINED');
  const relayed = await check();
  const total = [...(await committed(schema)).byTopic.values()].reduce((n, ids) => n + ids.length, 0);
  assert.equal(relayed, total, 'every committed event is on the log exactly once');
  assert.ok(rolledBack.size > 0, 'some business transactions rolled back');
  console.log(`pg outbox crash: ${CYCLES} kills (${betweenAppendAndDelete} between an append and its delete), ${total} events relayed once, ${rolledBack.size} rolled back`);
});
