/**
 * Append throughput of the embedded SQLite log: 256-byte events, batched and single-event appends
 * from 1, 10 and 100 concurrent producers, with durability 'fsync' (acked after fdatasync) and 'os'.
 * Also reports the worst event-loop stall, which shows that no fsync runs on the main thread.
 *
 *   npm run build && node dist/bench/sqlite-append.js [events=100000]
 *
 * Prints one JSON line per scenario.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { openSqliteLog } from '../src/backends/sqlite/index.js';
import { createEvent, type CloudEvent } from '../src/core/envelope.js';

interface Scenario { producers: number; batch: number; events: number; durability: 'fsync' | 'os' }

const total = Number(process.argv[2] ?? 100_000);
const pad = 'x'.repeat(240); // data {"pad":"xxx..."} is 250 bytes; the whole envelope is ~400
const event = (): CloudEvent => createEvent({ type: 'bench.appended', data: { pad } });

const scenarios: Scenario[] = [
  { producers: 1, batch: 1000, events: total, durability: 'fsync' },
  { producers: 1, batch: 100, events: total, durability: 'fsync' },
  { producers: 10, batch: 100, events: total, durability: 'fsync' },
  { producers: 1, batch: 1, events: Math.min(total, 5_000), durability: 'fsync' },
  { producers: 10, batch: 1, events: Math.min(total, 50_000), durability: 'fsync' },
  { producers: 100, batch: 1, events: total, durability: 'fsync' },
  { producers: 10, batch: 100, events: total, durability: 'os' },
  { producers: 10, batch: 1, events: Math.min(total, 50_000), durability: 'os' },
];

async function run(s: Scenario): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'herald-bench-'));
  const log = await openSqliteLog({ path: join(dir, 'bench.db'), durability: s.durability });
  try {
    const perProducer = Math.ceil(s.events / s.producers / s.batch);
    const batches = Array.from({ length: s.producers }, () => Array.from({ length: perProducer }, () => Array.from({ length: s.batch }, event)));
    const loop = monitorEventLoopDelay({ resolution: 1 });
    loop.enable();
    const started = performance.now();
    await Promise.all(batches.map(async (mine) => {
      for (const batch of mine) await log.append('bench', batch);
    }));
    const seconds = (performance.now() - started) / 1000;
    loop.disable();
    const written = perProducer * s.batch * s.producers;
    return {
      ...s, events: written, seconds: Number(seconds.toFixed(3)), eventsPerSecond: Math.round(written / seconds),
      appendsPerSecond: Math.round(written / s.batch / seconds), loopDelayP99Ms: Number((loop.percentile(99) / 1e6).toFixed(2)),
      loopDelayMaxMs: Number((loop.max / 1e6).toFixed(2)),
    };
  } finally {
    await log.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

for (const s of scenarios) console.log(JSON.stringify(await run(s)));
