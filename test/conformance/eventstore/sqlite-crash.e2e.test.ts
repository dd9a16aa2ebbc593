/**
 * SIGKILL tests of the event store on sqlite: a projection is exactly-once across crashes (its
 * checkpoint commits with its read model), and the outbox relay neither loses nor duplicates
 * events on the log, in enqueue order per topic, when killed anywhere (including between the
 * append and the mark). HERALD_CRASH_CYCLES sets the kills per test, HERALD_SEED replays one.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openSqliteLog } from '../../../src/backends/sqlite/index.js';
import { createEvent } from '../../../src/core/envelope.js';
import { seededRandom, seedFromEnv } from '../../crash/random.js';
import { runChild } from './crash-tools.js';

const CYCLES = Number(process.env.HERALD_CRASH_CYCLES ?? 12);

/** Ids per topic, in log order; fails on an id stored twice. */
async function logIds(path: string, topics: readonly string[]): Promise<Map<string, string[]>> {
  const log = await openSqliteLog({ path });
  const out = new Map<string, string[]>();
  const all = new Set<string>();
  for (const topic of topics) {
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

/** Events appended while no child runs: a backlog the next child must catch up with. */
async function appendBacklog(path: string, runId: string, count: number): Promise<void> {
  const log = await openSqliteLog({ path, durability: 'os' });
  for (let i = 0; i < count; i += 500) {
    await log.append('crash', Array.from({ length: 500 }, (_, j) => createEvent({ id: `${runId}-${i + j}`, type: 'crash.tick', data: {} })));
  }
  await log.close();
}

function withDir(body: (dir: string, random: () => number) => Promise<void>): () => Promise<void> {
  return async () => {
    const seed = seedFromEnv();
    console.log(`seed ${seed} (replay with HERALD_SEED=${seed})`);
    const dir = mkdtempSync(join(tmpdir(), 'herald-es-crash-'));
    try {
      await body(dir, seededRandom(seed));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

test(`a sqlite projection applies every event exactly once across ${CYCLES} SIGKILLs`, { timeout: 10 * 60_000 }, withDir(async (dir, random) => {
  const logDb = join(dir, 'log.db');
  const appDb = join(dir, 'app.db');
  let midway = 0;
  /** The read model holds exactly the log's events up to the checkpoint, each once. */
  const check = async (): Promise<{ checkpoint: number; head: number }> => {
    const ids = (await logIds(logDb, ['crash'])).get('crash')!;
    if (!existsSync(appDb)) return { checkpoint: 0, head: ids.length }; // killed before it opened the database
    const db = new Database(appDb, { readonly: true });
    const hasTable = db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'herald_projections'").get() !== undefined;
    const row = hasTable ? db.prepare("SELECT position FROM herald_projections WHERE name = 'seen' AND version = 1").get() as { position: string } | undefined : undefined;
    const checkpoint = row ? (JSON.parse(row.position) as { crash?: number }).crash ?? 0 : 0;
    const seen = row ? (db.prepare('SELECT id, position FROM seen_v1 ORDER BY position').all() as { id: string; position: number }[]) : [];
    db.close();
    assert.equal(seen.length, checkpoint, `the read model holds ${seen.length} events for checkpoint ${checkpoint}`);
    assert.deepEqual(seen.map((s) => s.id), ids.slice(0, checkpoint), 'exactly the events up to the checkpoint, each once, in order');
    return { checkpoint, head: ids.length };
  };

  for (let cycle = 1; cycle <= CYCLES; cycle++) {
    await appendBacklog(logDb, `b${cycle}`, 4_000); // so that the kill lands in catch-up as well as in live follow
    await runChild('crash-projection-child.js', [logDb, appDb, `r${cycle}`], 50 + Math.floor(random() * 450));
    const { checkpoint, head } = await check();
    if (process.env.HERALD_CRASH_VERBOSE) console.log(`cycle ${cycle}: checkpoint ${checkpoint} of ${head}`);
    if (checkpoint > 0 && checkpoint < head) midway++;
  }
  const lines = await runChild('crash-projection-child.js', [logDb, appDb, 'drain', 'drain']);
  assert.equal(lines.at(-1), 'DRAINED');
  const { checkpoint, head } = await check();
  assert.equal(checkpoint, head, 'after the drain, every event is in the read model');
  assert.ok(midway > 0, 'at least one kill landed while the projection was behind the head');
  console.log(`projection crash: ${CYCLES} kills (${midway} behind the head), ${head} events, each applied once`);
}));

test(`the outbox relay loses and duplicates nothing across ${CYCLES} SIGKILLs, in enqueue order`, { timeout: 10 * 60_000 }, withDir(async (dir, random) => {
  const logDb = join(dir, 'log.db');
  const appDb = join(dir, 'app.db');
  const rolledBack = new Set<string>();
  let betweenAppendAndMark = 0;
  /** Committed orders' event ids per topic, in commit order, and the first pending outbox row. */
  const committed = (): { byTopic: Map<string, string[]>; firstPending: string | undefined } => {
    if (!existsSync(appDb)) return { byTopic: new Map([['orders', []], ['payments', []]]), firstPending: undefined };
    const db = new Database(appDb, { readonly: true });
    const tables = new Set((db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((t) => t.name));
    const rows = tables.has('orders') ? db.prepare('SELECT topic, ids FROM orders ORDER BY seq').all() as { topic: string; ids: string }[] : [];
    const pending = tables.has('herald_outbox') ? db.prepare('SELECT event_id FROM herald_outbox ORDER BY seq LIMIT 1').get() as { event_id: string } | undefined : undefined;
    db.close();
    const byTopic = new Map<string, string[]>([['orders', []], ['payments', []]]);
    for (const r of rows) byTopic.get(r.topic)!.push(...(JSON.parse(r.ids) as string[]));
    return { byTopic, firstPending: pending?.event_id };
  };
  /** The log holds a prefix of each topic's committed events, each once, and nothing rolled back. */
  const check = async (): Promise<number> => {
    const onLog = await logIds(logDb, ['orders', 'payments']);
    const { byTopic, firstPending } = committed();
    let relayed = 0;
    for (const [topic, ids] of onLog) {
      const expected = byTopic.get(topic)!;
      assert.deepEqual(ids, expected.slice(0, ids.length), `${topic}: the log is a prefix of the commit order`);
      for (const id of ids) assert.ok(!rolledBack.has(id), `rolled-back event ${id} reached the log`);
      relayed += ids.length;
    }
    if (firstPending !== undefined && [...onLog.values()].some((ids) => ids.includes(firstPending))) betweenAppendAndMark++;
    return relayed;
  };

  for (let cycle = 1; cycle <= CYCLES; cycle++) {
    const lines = await runChild('crash-relay-child.js', [logDb, appDb, `r${cycle}`], 200 + Math.floor(random() * 800));
    for (const line of lines) if (line.startsWith('R ')) line.slice(2).split(' ').forEach((id) => rolledBack.add(id));
    await check();
  }
  const lines = await runChild('crash-relay-child.js', [logDb, appDb, 'drain', 'drain']);
  assert.equal(lines.at(-1), 'DRAINED');
  const relayed = await check();
  const { byTopic } = committed();
  const total = [...byTopic.values()].reduce((n, ids) => n + ids.length, 0);
  assert.equal(relayed, total, 'every committed event is on the log exactly once');
  assert.ok(rolledBack.size > 0, 'some business transactions rolled back');
  console.log(`outbox crash: ${CYCLES} kills (${betweenAppendAndMark} between an append and its mark), ${total} events relayed once, ${rolledBack.size} rolled back`);
}));
