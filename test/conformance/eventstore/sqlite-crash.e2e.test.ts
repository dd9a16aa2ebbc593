/**
 * SIGKILL tests of the event store on sqlite: a projection is exactly-once across crashes (its
 * checkpoint commits with its read model), and the outbox relay neither loses nor duplicates
 * events on the log, in enqueue order per topic, when killed anywhere (including between the
 * append and the mark). HERALD_CRASH_CYCLES sets the kills per test, HERALD_SEED replays one.
 * Both keep a Jepsen-style history (test/reliability/history.ts) that the checker judges after
 * every kill: appends (or business commits) invoke / ok / fail / info, full reads of the log, and
 * at the end the projection's applied events as an exactly-once group's deliveries.
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
import { check as checkHistory, describeResult, History, type CheckResult, type Op } from '../../reliability/history.js';
import { assertClean, readTopics, recordCommits, runChild } from './crash-tools.js';

const CYCLES = Number(process.env.HERALD_CRASH_CYCLES ?? 12);

/** Ids per topic, in log order, and the reads as history ops (an id stored twice is the checker's duplicate). */
async function logIds(path: string, topics: readonly string[]): Promise<{ ids: Map<string, string[]>; reads: Op[] }> {
  const log = await openSqliteLog({ path });
  try {
    return await readTopics(log, topics);
  } finally {
    await log.close();
  }
}

/** Events appended while no child runs: a backlog the next child must catch up with. */
async function appendBacklog(path: string, runId: string, count: number, history: History): Promise<void> {
  const log = await openSqliteLog({ path, durability: 'os' });
  for (let i = 0; i < count; i += 500) {
    const events = Array.from({ length: 500 }, (_, j) => createEvent({ id: `${runId}-${i + j}`, type: 'crash.tick', data: {} }));
    events.forEach((e) => history.invoke('backlog', 'crash', 'backlog', e.id));
    (await log.append('crash', events)).forEach((r) => history.ok(r.id, r.position));
  }
  await log.close();
}

/** A projection child's appends: `I` invokes a batch (key: its producer), `A` acks one; the rest were in flight at the kill. */
function recordAppends(lines: readonly string[], runId: string, history: History): void {
  for (const line of lines) {
    const [kind, a, b, c] = line.split(' ');
    if (kind === 'I') for (let i = 0; i < Number(c); i++) history.invoke(runId, 'crash', `${runId}-${a}`, `${runId}-${a}-${b}-${i}`);
    else if (kind === 'A') history.ok(a!, Number(b));
  }
  history.infoAllOpen();
}

function withDir(body: (dir: string, random: () => number, seed: number) => Promise<void>): () => Promise<void> {
  return async () => {
    const seed = seedFromEnv();
    console.log(`seed ${seed} (replay with HERALD_SEED=${seed})`);
    const dir = mkdtempSync(join(tmpdir(), 'herald-es-crash-'));
    try {
      await body(dir, seededRandom(seed), seed);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

test(`a sqlite projection applies every event exactly once across ${CYCLES} SIGKILLs`, { timeout: 10 * 60_000 }, withDir(async (dir, random, seed) => {
  const logDb = join(dir, 'log.db');
  const appDb = join(dir, 'app.db');
  const history = new History();
  let midway = 0;
  /** The log against every append so far; the read model holds exactly the log's events up to the checkpoint, each once. */
  const check = async (): Promise<{ checkpoint: number; head: number; applied: { id: string; position: number }[]; reads: Op[] }> => {
    const { ids: byTopic, reads } = await logIds(logDb, ['crash']);
    assertClean(checkHistory([...history.ops, ...reads], { contiguous: true }), seed);
    const ids = byTopic.get('crash')!;
    if (!existsSync(appDb)) return { checkpoint: 0, head: ids.length, applied: [], reads }; // killed before it opened the database
    const db = new Database(appDb, { readonly: true });
    const hasTable = db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'herald_projections'").get() !== undefined;
    const row = hasTable ? db.prepare("SELECT position FROM herald_projections WHERE name = 'seen' AND version = 1").get() as { position: string } | undefined : undefined;
    const checkpoint = row ? (JSON.parse(row.position) as { crash?: number }).crash ?? 0 : 0;
    const applied = row ? (db.prepare('SELECT id, position FROM seen_v1 ORDER BY rowid').all() as { id: string; position: number }[]) : [];
    db.close();
    assert.equal(applied.length, checkpoint, `the read model holds ${applied.length} events for checkpoint ${checkpoint}`);
    assert.deepEqual(applied.map((s) => s.id), ids.slice(0, checkpoint), 'exactly the events up to the checkpoint, each once, in order');
    return { checkpoint, head: ids.length, applied, reads };
  };

  for (let cycle = 1; cycle <= CYCLES; cycle++) {
    await appendBacklog(logDb, `b${cycle}`, 4_000, history); // so that the kill lands in catch-up as well as in live follow
    recordAppends(await runChild('crash-projection-child.js', [logDb, appDb, `r${cycle}`], 50 + Math.floor(random() * 450)), `r${cycle}`, history);
    const { checkpoint, head } = await check();
    if (process.env.HERALD_CRASH_VERBOSE) console.log(`cycle ${cycle}: checkpoint ${checkpoint} of ${head}`);
    if (checkpoint > 0 && checkpoint < head) midway++;
  }
  const lines = await runChild('crash-projection-child.js', [logDb, appDb, 'drain', 'drain']);
  assert.equal(lines.at(-1), 'DRAINED');
  const { checkpoint, head, applied, reads } = await check();
  assert.equal(checkpoint, head, 'after the drain, every event is in the read model');
  assert.ok(midway > 0, 'at least one kill landed while the projection was behind the head');
  // The projection as a group that drained the log: each event applied once, in log order, none skipped.
  const groups = new History();
  for (const e of applied) groups.deliver('crash', 'projection', { ...e, key: 'crash' });
  const result = checkHistory([...history.ops, ...reads, ...groups.ops], { contiguous: true, exactlyOnceGroups: ['projection'] });
  assertClean(result, seed);
  console.log(`projection crash: ${CYCLES} kills (${midway} behind the head), ${head} events, each applied once; checker ${describeResult(result)}`);
}));

test(`the outbox relay loses and duplicates nothing across ${CYCLES} SIGKILLs, in enqueue order`, { timeout: 10 * 60_000 }, withDir(async (dir, random, seed) => {
  const logDb = join(dir, 'log.db');
  const appDb = join(dir, 'app.db');
  const history = new History(); // business transactions: invoke, then ok (committed), fail (rolled back) or info (killed)
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
  /** The log against the history (lost only judged after the drain: the relay may owe pending rows); a prefix of each topic's commit order. */
  const check = async (drained: boolean): Promise<{ relayed: number; result: CheckResult }> => {
    const { ids: onLog, reads } = await logIds(logDb, ['orders', 'payments']);
    const result = checkHistory([...history.ops, ...reads], { contiguous: true });
    assertClean(result, seed, drained ? [] : ['lost']);
    const { byTopic, firstPending } = committed();
    let relayed = 0;
    for (const [topic, ids] of onLog) {
      assert.deepEqual(ids, byTopic.get(topic)!.slice(0, ids.length), `${topic}: the log is a prefix of the commit order`);
      relayed += ids.length;
    }
    if (firstPending !== undefined && [...onLog.values()].some((ids) => ids.includes(firstPending))) betweenAppendAndMark++;
    return { relayed, result };
  };

  for (let cycle = 1; cycle <= CYCLES; cycle++) {
    const lines = await runChild('crash-relay-child.js', [logDb, appDb, `r${cycle}`], 200 + Math.floor(random() * 800));
    recordCommits(lines, `r${cycle}`, new Set([...committed().byTopic.values()].flat()), history);
    await check(false);
  }
  const lines = await runChild('crash-relay-child.js', [logDb, appDb, 'drain', 'drain']);
  assert.equal(lines.at(-1), 'DRAINED');
  const { relayed, result } = await check(true);
  const total = [...committed().byTopic.values()].reduce((n, ids) => n + ids.length, 0);
  assert.equal(relayed, total, 'every committed event is on the log exactly once');
  assert.ok(result.counts.failed > 0, 'some business transactions rolled back');
  console.log(`outbox crash: ${CYCLES} kills (${betweenAppendAndMark} between an append and its mark), ${total} events relayed once, ` +
    `${result.counts.failed} rolled back; checker ${describeResult(result)}`);
}));
