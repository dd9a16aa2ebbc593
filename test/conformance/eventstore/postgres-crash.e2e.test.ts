/**
 * SIGKILL test of the outbox on PostgreSQL: with two relays in the killed process, the log holds
 * every committed event once, in commit order per topic, and nothing rolled back, however often
 * the process dies (including between an append and the delete of its rows). HERALD_CRASH_CYCLES
 * sets the kills, HERALD_SEED replays one. A Jepsen-style history (test/reliability/history.ts) of
 * the business transactions (invoke / ok / fail / info) is checked against full reads after every kill.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { openPostgresLog } from '../../../src/backends/postgres/index.js';
import { PG_URL, pgUp, skipWithoutPg, TestSchemas } from '../../../src/backends/postgres/test-helpers.js';
import { seededRandom, seedFromEnv } from '../../crash/random.js';
import { check as checkHistory, describeResult, History, type CheckResult, type Op } from '../../reliability/history.js';
import { assertClean, readTopics, recordCommits, runChild } from './crash-tools.js';
import { openAppPool } from './pg-pool.js';

const CYCLES = Number(process.env.HERALD_CRASH_CYCLES ?? 12);
const TOPICS = ['orders', 'payments'];
const schemas = new TestSchemas();
after(() => schemas.dropAll());

/** Ids per topic, in log order, and the reads as history ops. */
async function logIds(schema: string): Promise<{ ids: Map<string, string[]>; reads: Op[] }> {
  const log = await openPostgresLog({ connectionString: PG_URL, schema, poolSize: 1 });
  try {
    return await readTopics(log, TOPICS);
  } finally {
    await log.close();
  }
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
  console.log(`pg outbox crash seed ${seed} (replay with HERALD_SEED=${seed})`);
  const random = seededRandom(seed);
  const schema = schemas.fresh();
  const history = new History(); // business transactions: invoke, then ok (committed), fail (rolled back) or info (killed)
  let betweenAppendAndDelete = 0;
  /** The log against the history (lost only judged after the drain: the relays may owe pending rows); a prefix of each topic's commit order. */
  const check = async (drained: boolean): Promise<{ relayed: number; result: CheckResult }> => {
    const { ids: onLog, reads } = await logIds(schema);
    const result = checkHistory([...history.ops, ...reads], { contiguous: true });
    assertClean(result, seed, drained ? [] : ['lost']);
    const { byTopic, firstPending } = await committed(schema);
    let relayed = 0;
    for (const [topic, ids] of onLog) {
      assert.deepEqual(ids, byTopic.get(topic)!.slice(0, ids.length), `${topic}: the log is a prefix of the commit order (seed ${seed})`);
      relayed += ids.length;
    }
    if (firstPending !== undefined && [...onLog.values()].some((ids) => ids.includes(firstPending))) betweenAppendAndDelete++;
    return { relayed, result };
  };

  for (let cycle = 1; cycle <= CYCLES; cycle++) {
    const lines = await runChild('crash-relay-pg-child.js', [schema, `r${cycle}`], 200 + Math.floor(random() * 800));
    recordCommits(lines, `r${cycle}`, new Set([...(await committed(schema)).byTopic.values()].flat()), history);
    await check(false);
  }
  const lines = await runChild('crash-relay-pg-child.js', [schema, 'drain', 'drain']);
  assert.equal(lines.at(-1), 'DRAINED');
  const { relayed, result } = await check(true);
  const total = [...(await committed(schema)).byTopic.values()].reduce((n, ids) => n + ids.length, 0);
  assert.equal(relayed, total, 'every committed event is on the log exactly once');
  assert.ok(result.counts.failed > 0, 'some business transactions rolled back');
  console.log(`pg outbox crash: ${CYCLES} kills (${betweenAppendAndDelete} between an append and its delete), ${total} events relayed once, ` +
    `${result.counts.failed} rolled back; checker ${describeResult(result)}`);
});
