import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { openSqliteLog } from '../../src/backends/sqlite/index.js';
import { createEvent } from '../../src/core/envelope.js';
import type { SubscriptionStats } from '../../src/consumer/types.js';
import { seededRandom, seedFromEnv } from '../crash/random.js';
import { check, describeResult, History, type Seen } from './history.js';
import { runProcess } from './run-process.js';

// R7, scaled to CI: the plan's lease 2 s and 5 s blocks become 1 s and 2.5 s (the block still
// outlives the lease 2.5×), over 2,000 events of which 1% block; two consumer processes.
const EVENTS = Number(process.env.HERALD_R7_EVENTS ?? 2_000);
const LEASE_MS = 1_000;
const BLOCK_MS = 2_500;
const child = join(import.meta.dirname, 'lease-child.js');

function runChild(db: string): Promise<{ lines: string[]; stats: { alo: SubscriptionStats; exo: SubscriptionStats } }> {
  return runProcess(process.execPath, [child, db, String(LEASE_MS), String(BLOCK_MS)]).then(({ code, out, err }) => {
    const lines = out.split('\n').filter((l) => l.length > 0);
    const stats = lines.find((l) => l.startsWith('STATS '));
    if (code !== 0 || !stats) throw new Error(`lease child exited ${code}: ${err.slice(-2000)}`);
    return { lines, stats: JSON.parse(stats.slice(6)) as { alo: SubscriptionStats; exo: SubscriptionStats } };
  });
}

test(`R7: lease fencing with event-loop blocks longer than the lease (${EVENTS} events, 1% block)`, { timeout: 5 * 60_000 }, async () => {
  const seed = seedFromEnv();
  console.log(`R7 lease fencing seed ${seed} (replay with HERALD_SEED=${seed})`);
  const random = seededRandom(seed);
  const dir = mkdtempSync(join(tmpdir(), 'herald-r7-'));
  const db = join(dir, 'herald.db');
  try {
    const history = new History();
    const log = await openSqliteLog({ path: db });
    const events = Array.from({ length: EVENTS }, (_, n) => createEvent({ id: `f${n}`, type: 'fence.tick', key: `k${n % 200}`, data: { n, block: random() < 0.01 } }));
    events.forEach((e) => history.invoke('producer', 'fence', e.partitionkey as string, e.id));
    (await log.append('fence', events)).forEach((r) => history.ok(r.id, r.position));
    await log.close();
    const setup = new Database(db);
    setup.exec('CREATE TABLE effects (id TEXT NOT NULL, position INTEGER NOT NULL, key TEXT NOT NULL)');
    setup.close();

    const [a, b] = await Promise.all([runChild(db), runChild(db)]);
    const effects = new Database(db, { readonly: true });
    const rows = effects.prepare('SELECT id, count(*) AS n FROM effects GROUP BY id').all() as { id: string; n: number }[];
    for (const e of effects.prepare('SELECT id, position, key FROM effects ORDER BY rowid').all() as Seen[]) history.deliver('fence', 'exo', e);
    effects.close();
    // The two processes' lines reach this one in pipe-read order: put them in handling order (one clock).
    const handledLines = [...a.lines, ...b.lines].filter((l) => l.startsWith('H ')).map((l) => l.split(' '));
    const handled = new Map<string, number>();
    for (const [, id, position, key] of handledLines.sort((x, y) => Number(x[4]) - Number(y[4]))) {
      history.deliver('fence', 'alo', { id: id!, position: Number(position), key: key! });
      handled.set(id!, (handled.get(id!) ?? 0) + 1);
    }
    const reader = await openSqliteLog({ path: db });
    const stored: Seen[] = [];
    for await (const e of reader.read('fence')) stored.push({ position: e.position, id: e.event.id, key: e.event.partitionkey as string });
    await reader.close();
    history.read('fence', stored);
    const result = check(history.ops, { contiguous: true, exactlyOnceGroups: ['exo'] });
    const stale = { alo: a.stats.alo.stale + b.stats.alo.stale, exo: a.stats.exo.stale + b.stats.exo.stale };
    const duplicates = [...handled.values()].reduce((sum, n) => sum + n - 1, 0);
    const blocked = events.filter((e) => (e.data as { block: boolean }).block).length;
    console.log(`R7: ${blocked} blocking handlers; stale acks rejected ${JSON.stringify(stale)}; at-least-once duplicates ${duplicates}; ` +
      `exactly-once effects ${rows.length} ids, ${rows.filter((r) => r.n > 1).length} doubled; checker ${describeResult(result)}`);

    assert.deepEqual(result.anomalies, [], `seed ${seed}: ${describeResult(result)}`);
    assert.equal(result.counts.acked, EVENTS);

    assert.equal(rows.length, EVENTS, 'every event has its exactly-once effect');
    assert.deepEqual(rows.filter((r) => r.n !== 1), [], '0 double effects in exactly-once mode');
    assert.equal(handled.size, EVENTS, 'every event handled at least once in at-least-once mode');
    assert.ok(blocked > 0 && stale.alo + stale.exo > 0, 'the blocks made leases expire and late acks were rejected as stale');
    assert.ok(duplicates >= stale.alo, 'each stale at-least-once ack means the event was handled again');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
