/**
 * R3: SIGKILL a consumer mid-batch. 4 worker processes (consumer-kill-child.ts) consume topic
 * `work` of one SqliteLog file in two groups at once: `alo` (at-least-once, handled ids on
 * stdout) and `exo` (exactly-once: the effect row commits with the ack). This test publishes
 * `HERALD_R3_EVENTS` (50,000) events at an even rate over the kill window (and one interval more), SIGKILLs one random
 * worker every `HERALD_R3_INTERVAL_MS` (2,000) ms, `HERALD_R3_KILLS` (20) times, restarting it at
 * once, then waits for both groups' lag to reach 0. An `alo` handler takes ~`HERALD_R3_HANDLER_MS`
 * (10) ms, so kills find deliveries in flight. Both modes share one run: each kill hits both
 * groups mid-batch, and CI pays the 40 s kill window once.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { openSqliteLog } from '../../src/backends/sqlite/index.js';
import { createEvent } from '../../src/core/envelope.js';
import { isHeraldError } from '../../src/core/errors.js';
import { seededRandom, seedFromEnv } from '../crash/random.js';
import { Workers } from './consumer-kill-workers.js';
import { check, describeResult, History } from './history.js';

const EVENTS = Number(process.env.HERALD_R3_EVENTS ?? 50_000);
const KILLS = Number(process.env.HERALD_R3_KILLS ?? 20);
const INTERVAL_MS = Number(process.env.HERALD_R3_INTERVAL_MS ?? 2_000);
const HANDLER_MS = Number(process.env.HERALD_R3_HANDLER_MS ?? 10);
const WORKERS = 4;
const MAX_IN_FLIGHT = 64;
const LEASE_MS = 1_000;
const BATCH = 50;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

test(`R3: ${WORKERS} consumers, ${EVENTS} events, one SIGKILL every ${INTERVAL_MS} ms (${KILLS} kills)`, { timeout: 10 * 60_000 }, async () => {
  const seed = seedFromEnv();
  console.log(`R3 consumer kills seed ${seed} (replay with HERALD_SEED=${seed})`);
  const random = seededRandom(seed);
  const dir = mkdtempSync(join(tmpdir(), 'herald-r3-'));
  const db = join(dir, 'herald.db');
  const log = await openSqliteLog({ path: db });
  const workers = new Workers(join(import.meta.dirname, 'consumer-kill-child.js'), [db, String(MAX_IN_FLIGHT), String(LEASE_MS), String(HANDLER_MS)]);
  try {
    const setup = new Database(db);
    setup.exec('CREATE TABLE effects (id TEXT NOT NULL, position INTEGER NOT NULL, key TEXT NOT NULL)');
    setup.close();
    const history = new History();
    let busyRetries = 0;
    await workers.startAll(WORKERS);

    // The producer spreads the events evenly over the kill window and one interval past it, so
    // every kill, the last one included, lands while the workers hold deliveries.
    const windowMs = (KILLS + 1) * INTERVAL_MS;
    const started = Date.now();
    const produce = (async (): Promise<void> => {
      for (let n = 0; n < EVENTS; n += BATCH) {
        const events = Array.from({ length: Math.min(BATCH, EVENTS - n) }, (_, i) => createEvent({ id: `e${n + i}`, type: 'work.item', key: `k${(n + i) % 256}`, data: { n: n + i } }));
        events.forEach((e) => history.invoke('producer', 'work', e.partitionkey as string, e.id));
        for (;;) {
          try {
            (await log.append('work', events)).forEach((r) => history.ok(r.id, r.position));
            break;
          } catch (error) {
            // Five processes share the file: on a starved machine the write lock can outwait the
            // busy timeout. HERALD_E_BUSY wrote nothing; a producer tries again with the same ids.
            if (!isHeraldError(error, 'HERALD_E_BUSY')) throw error;
            busyRetries++;
          }
        }
        const due = started + ((n + BATCH) / EVENTS) * windowMs;
        if (due > Date.now()) await sleep(due - Date.now());
      }
    })();
    for (let k = 0; k < KILLS; k++) {
      await sleep(INTERVAL_MS);
      await workers.killAndRestart(Math.floor(random() * WORKERS));
    }
    const lastKill = Date.now();
    await produce;
    const produced = Date.now();

    // Lag back to 0 in both groups; the time is reported, the generous timeout is the assertion.
    let lag: number[] = [];
    for (const deadline = Date.now() + 120_000; Date.now() < deadline;) {
      lag = (await log.groups('work')).map((g) => g.lag);
      if (lag.length === 2 && lag.every((l) => l === 0)) break;
      await sleep(50);
    }
    const drained = Date.now();
    workers.stopAll();
    assert.deepEqual(lag, [0, 0], 'both groups caught up (lag 0) within 120 s of the last kill');

    // Lines of different workers reach this process in pipe-read order, not in the order they
    // were written: put them back in handling order by their timestamps (one machine clock).
    const handledInOrder = [...workers.lines('H')].sort((a, b) => Number(a[5]) - Number(b[5]));
    for (const line of handledInOrder) {
      const [id, position, key] = line;
      history.deliver('work', 'alo', { id: id!, position: Number(position), key: key! });
    }
    const effects = new Database(db, { readonly: true });
    const rows = effects.prepare('SELECT id, position, key FROM effects ORDER BY rowid').all() as { id: string; position: number; key: string }[];
    effects.close();
    for (const r of rows) history.deliver('work', 'exo', r);
    const stored = [];
    for await (const e of log.read('work')) stored.push({ position: e.position, id: e.event.id, key: e.event.partitionkey as string });
    history.read('work', stored);
    const result = check(history.ops, { contiguous: true, exactlyOnceGroups: ['exo'] });

    const handled = workers.lines('H').length;
    const handledIds = new Set(workers.lines('H').map(([id]) => id)).size;
    const attempts = workers.lines('D').length;
    const attemptIds = new Set(workers.lines('D').map(([id]) => id)).size;
    // Redelivered: events handled at an attempt > 1 (an earlier lease was lost: its worker was
    // killed, or, on a starved machine, a queued delivery's lease ran out); `runs` counts every
    // such handler run. Handled twice: a worker was killed between a handler and its ack.
    const redelivered = (lines: string[][], attemptAt: number): Set<string> =>
      new Set(lines.filter((l) => Number(l[attemptAt]) > 1).map(([id]) => id!));
    const redeliveries = { alo: redelivered(workers.lines('H'), 4).size, exo: redelivered(workers.lines('D'), 1).size };
    const runs = {
      alo: workers.lines('H').filter((l) => Number(l[4]) > 1).length,
      exo: workers.lines('D').filter((l) => Number(l[1]) > 1).length,
    };
    const twice = { alo: handled - handledIds, exo: attempts - attemptIds };
    const bound = KILLS * MAX_IN_FLIGHT;
    console.log(`R3: ${EVENTS} events produced in ${produced - started} ms (${busyRetries} appends retried after HERALD_E_BUSY), ${workers.kills} kills (${workers.restarts} restarts); ` +
      `lag 0 ${drained - lastKill} ms after the last kill (${drained - produced} ms after the last publish); ` +
      `alo handled ${handled} (${handledIds} ids), exo handler runs ${attempts} (${attemptIds} ids), effects ${rows.length}; ` +
      `events redelivered ${JSON.stringify(redeliveries)} (bound ${bound}) in ${JSON.stringify(runs)} handler runs, handled twice ${JSON.stringify(twice)}; ${describeResult(result)}`);

    assert.deepEqual(workers.crashes, [], 'no worker died other than by SIGKILL');
    for (const key of new Set(result.anomalies.filter((a) => a.kind === 'reordered').map((a) => /key (\S+):/.exec(a.message)?.[1]))) {
      console.log(`R3 handled lines of key ${key} (id position key pid attempt ms):\n${workers.lines('H').filter((l) => l[2] === key).map((l) => l.join(' ')).join('\n')}`);
    }
    assert.deepEqual(result.anomalies, [], describeResult(result));
    assert.equal(result.counts.acked, EVENTS);
    assert.equal(handledIds, EVENTS, 'every acked event handled at least once (alo)');
    assert.equal(rows.length, EVENTS, 'every event has exactly one effect (exo)');
    assert.equal(new Set(rows.map((r) => r.id)).size, EVENTS, 'no effect doubled (exo)');
    assert.ok(workers.kills === KILLS, `${KILLS} workers were killed`);
    assert.ok(redeliveries.alo + redeliveries.exo > 0, 'the kills found deliveries in flight (the test attacked something)');
    assert.ok(redeliveries.alo <= bound && redeliveries.exo <= bound, `redeliveries ${JSON.stringify(redeliveries)} ≤ kills × maxInFlight = ${bound}`);
  } finally {
    workers.stopAll();
    await log.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
