/**
 * The event store on the embedded SQLite log (durability fsync: an append resolves after the
 * fdatasync covering it):
 *
 * 1. appends to many streams, each expecting the stream's revision: raw `appendToStream`, and
 *    commands through `handleCommand` (load the stream, decide, append expecting the revision
 *    loaded), at concurrency 1 and 32 — each worker owns its streams, so no append conflicts;
 * 2. projection catch-up from zero: a projection of `$all` (every event through its contract)
 *    into a SQLite read model (a table in its own database file, WAL, synchronous FULL), batch
 *    sizes 256 and 1024.
 *
 * Every append scenario runs for a fixed time; the whole run takes < 60 s (`--quick`: ~10 s).
 * Prints one JSON line per scenario and writes bench/results/eventstore/<date>-<host>[.quick].json.
 *
 *   npm run build && node dist/bench/eventstore.js [--quick]
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, hostname, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { z } from 'zod';
import { openSqliteLog, type SqliteLog } from '../src/backends/sqlite/index.js';
import { createEvent, defineEvent, type CloudEvent } from '../src/core/index.js';
import {
  defineProjection, handleCommand, on, sqliteProjectionStore, startProjection,
  type Decider, type EventOf, type ProjectionDefinition, type SqlDatabase, type SqlStatement,
} from '../src/eventstore/index.js';
import { percentile, sorted } from './stats.js';

const quick = process.argv.includes('--quick');
const P = quick
  ? { streams: 10_000, appendSeconds: 1, catchUpEvents: 25_000, catchUpStreams: 250 }
  : { streams: 10_000, appendSeconds: 4, catchUpEvents: 200_000, catchUpStreams: 2_000 };
const pad = 'x'.repeat(100);
const round = (n: number, digits = 0): number => Number(n.toFixed(digits));

const Incremented = defineEvent({ type: 'bench.incremented', schema: z.object({ n: z.number().int(), pad: z.string() }) });
const Deposited = defineEvent({ type: 'bench.deposited', schema: z.object({ amount: z.number(), pad: z.string() }) });
type Command = { type: 'increment' };
const counter: Decider<{ n: number }, Command, EventOf<'bench.incremented', typeof Incremented>> = {
  initialState: () => ({ n: 0 }),
  evolve: (state, event) => ({ n: event.data.n }),
  decide: (_command, state) => [{ type: 'bench.incremented', data: { n: state.n + 1, pad } }],
};

/** Runs `count` tasks through `concurrency` workers; task i goes to worker i % concurrency. */
async function pool(count: number, concurrency: number, task: (i: number) => Promise<unknown>): Promise<void> {
  await Promise.all(Array.from({ length: concurrency }, async (_, w) => {
    for (let i = w; i < count; i += concurrency) await task(i);
  }));
}

const stream = (i: number): string => `account-${i}`;
/** A raw append's event: what the decider would decide, made without its contract's validation. */
const incremented = (n: number): CloudEvent => createEvent({ type: Incremented.type, data: { n, pad } });

/** `concurrency` workers append for `appendSeconds`; worker w cycles over its streams w, w+c, w+2c… (no two share one). */
async function appendScenario(log: SqliteLog, revisions: number[], via: 'appendToStream' | 'handleCommand', concurrency: number): Promise<Record<string, unknown>> {
  const latencies: number[] = [];
  let retries = 0;
  const deadline = performance.now() + P.appendSeconds * 1000;
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async (_, w) => {
    for (let i = w; performance.now() < deadline; i = i + concurrency < P.streams ? i + concurrency : w) {
      const t = performance.now();
      if (via === 'appendToStream') {
        revisions[i] = (await log.streams.appendToStream(stream(i), [incremented(revisions[i]! + 1)], { expectedRevision: revisions[i]! })).revision;
      } else {
        const result = await handleCommand(log.streams, stream(i), { type: 'increment' }, counter, { contracts: [Incremented] });
        retries += result.retries;
        revisions[i] = result.revision;
      }
      latencies.push(performance.now() - t);
    }
  }));
  const seconds = (performance.now() - started) / 1000;
  const s = sorted(latencies);
  return {
    scenario: 'append', via, concurrency, durability: 'fsync', streams: P.streams, appends: latencies.length, seconds: round(seconds, 2),
    appendsPerSecond: Math.round(latencies.length / seconds), p50Ms: round(percentile(s, 0.5), 2), p99Ms: round(percentile(s, 0.99), 2), retries,
  };
}

async function appends(dir: string): Promise<Record<string, unknown>[]> {
  const log = await openSqliteLog({ path: join(dir, 'appends.db'), durability: 'fsync' });
  try {
    // Every stream exists before the clock starts (one event each, appended 256 at a time).
    const revisions = new Array<number>(P.streams).fill(0);
    await pool(P.streams, 256, async (i) => {
      revisions[i] = (await log.streams.appendToStream(stream(i), [incremented(1)], { expectedRevision: 'no_stream' })).revision;
    });
    const results: Record<string, unknown>[] = [];
    for (const via of ['appendToStream', 'handleCommand'] as const) {
      for (const concurrency of [1, 32]) {
        const r = await appendScenario(log, revisions, via, concurrency);
        console.log(JSON.stringify(r));
        results.push(r);
      }
    }
    return results;
  } finally {
    await log.close();
  }
}

/** A balance per stream: an upsert per event, its statement prepared once per read model table. */
function balances(): ProjectionDefinition<SqlDatabase> {
  const statements = new Map<string, SqlStatement>();
  return defineProjection<SqlDatabase>({
    name: 'balances', version: 1, source: { all: true },
    setup: ({ tx, table }) => tx.exec(`CREATE TABLE ${table('balances')} (stream TEXT PRIMARY KEY, balance REAL NOT NULL, events INTEGER NOT NULL)`),
    handlers: [on(Deposited, (e, { tx, table, record }) => {
      const t = table('balances');
      let upsert = statements.get(t);
      if (!upsert) statements.set(t, upsert = tx.prepare(`INSERT INTO ${t} VALUES (?, ?, 1) ON CONFLICT (stream) DO UPDATE SET balance = balance + excluded.balance, events = events + 1`));
      upsert.run('stream' in record ? record.stream : '', e.data.amount);
    })],
  });
}

async function catchUps(dir: string): Promise<Record<string, unknown>[]> {
  // Filling the log is not measured: durability os, 100 events per append.
  const log = await openSqliteLog({ path: join(dir, 'catch-up.db'), durability: 'os' });
  try {
    const fillStarted = performance.now();
    await pool(P.catchUpEvents / 100, 8, async (i) => {
      const events = await Promise.all(Array.from({ length: 100 }, (_, k) => Deposited.create({ amount: k, pad })));
      await log.streams.appendToStream(stream(i % P.catchUpStreams), events);
    });
    console.log(JSON.stringify({ filled: P.catchUpEvents, streams: P.catchUpStreams, seconds: round((performance.now() - fillStarted) / 1000, 2) }));
    const results: Record<string, unknown>[] = [];
    for (const batchSize of [256, 1024]) {
      const db = new Database(join(dir, `read-model-${batchSize}.db`));
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      const runner = startProjection(balances(), { log, store: sqliteProjectionStore(db), batchSize });
      const started = performance.now();
      try {
        await runner.caughtUp({ timeout: '120s' });
        const seconds = (performance.now() - started) / 1000;
        const { applied } = await runner.status();
        const r = { scenario: 'catch-up', source: '$all', store: 'sqlite', batchSize, events: applied, seconds: round(seconds, 2), eventsPerSecond: Math.round(applied / seconds) };
        console.log(JSON.stringify(r));
        results.push(r);
      } finally {
        await runner.close();
        db.close();
      }
    }
    return results;
  } finally {
    await log.close();
  }
}

const dir = mkdtempSync(join(tmpdir(), 'herald-bench-es-'));
const startedAt = new Date().toISOString();
const loadBefore = loadavg().map((l) => round(l, 2));
const started = performance.now();
try {
  const results = {
    schema: 'eventstore/1', mode: quick ? 'quick' : 'full', startedAt, host: hostname(),
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? '?', node: process.version },
    params: P,
    appends: await appends(dir),
    catchUp: await catchUps(dir),
    durationSec: 0,
    /** 1, 5 and 15 minute load averages before and after: the machine is shared. */
    loadAverage: { before: loadBefore, after: loadavg().map((l) => round(l, 2)) },
  };
  results.durationSec = round((performance.now() - started) / 1000, 1);
  const out = join('bench', 'results', 'eventstore');
  mkdirSync(out, { recursive: true });
  const file = join(out, `${startedAt.slice(0, 10)}-${hostname().replace(/[^A-Za-z0-9_.-]/g, '_')}${quick ? '.quick' : ''}.json`);
  writeFileSync(file, `${JSON.stringify(results, null, 1)}\n`);
  console.log(`${results.durationSec} s, load average ${loadBefore.join(' ')} → ${results.loadAverage.after.join(' ')}; written to ${file}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
