/**
 * Append throughput of the embedded SQLite log: 256-byte events, batched and single-event appends
 * from 1 to 1000 concurrent producers, with durability 'fsync' (acked after fdatasync) and 'os'.
 * Also reports the worst event-loop stall, which shows that no fsync runs on the main thread.
 *
 *   npm run build && node dist/bench/sqlite-append.js [events=100000] [scenarios]
 *
 * `scenarios` is a comma-separated list of PRODUCERSxBATCH[:os], e.g. `1x1000,1000x1,10x100:os`
 * (default: all). Producers make their events as they go (`createEvent`, timed too). A short
 * warm-up runs first on its own file. Prints the disk's fdatasync rate, then one JSON line per scenario.
 */
import { closeSync, fdatasyncSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { openSqliteLog } from '../src/backends/sqlite/index.js';
import { createEvent, type CloudEvent } from '../src/core/envelope.js';

interface Scenario { producers: number; batch: number; events: number; durability: 'fsync' | 'os' }

const total = Number(process.argv[2] ?? 100_000);
const pad = 'x'.repeat(240); // data {"pad":"xxx..."} is 250 bytes; the whole envelope is ~400
const event = (): CloudEvent => createEvent({ type: 'bench.appended', data: { pad } });

const all: Scenario[] = [
  { producers: 1, batch: 1000, events: total, durability: 'fsync' },
  { producers: 1, batch: 100, events: total, durability: 'fsync' },
  { producers: 10, batch: 100, events: total, durability: 'fsync' },
  { producers: 1, batch: 1, events: Math.min(total, 5_000), durability: 'fsync' },
  { producers: 10, batch: 1, events: Math.min(total, 50_000), durability: 'fsync' },
  { producers: 100, batch: 1, events: total, durability: 'fsync' },
  { producers: 1000, batch: 1, events: total, durability: 'fsync' },
  { producers: 1, batch: 1000, events: total, durability: 'os' },
  { producers: 10, batch: 100, events: total, durability: 'os' },
  { producers: 10, batch: 1, events: Math.min(total, 50_000), durability: 'os' },
];
const scenarios = process.argv[3] === undefined ? all : process.argv[3].split(',').map((spec): Scenario => {
  const [shape = '', mode] = spec.split(':');
  const [producers = 1, batch = 1] = shape.split('x').map(Number);
  const events = batch === 1 && producers <= 10 ? Math.min(total, producers * 5_000) : total;
  return { producers, batch, events, durability: mode === 'os' ? 'os' : 'fsync' };
});

async function run(s: Scenario): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'herald-bench-'));
  const log = await openSqliteLog({ path: join(dir, 'bench.db'), durability: s.durability });
  try {
    const perProducer = Math.ceil(s.events / s.producers / s.batch);
    const loop = monitorEventLoopDelay({ resolution: 1 });
    loop.enable();
    const started = performance.now();
    // Each producer makes its events as it goes (as an application does); making them is timed too.
    await Promise.all(Array.from({ length: s.producers }, async () => {
      for (let i = 0; i < perProducer; i++) await log.append('bench', Array.from({ length: s.batch }, event));
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

/** The disk's own limit: 4 KiB written then fdatasync'd, over and over, at one offset and appending. */
function diskSyncRate(): Record<string, number> {
  const dir = mkdtempSync(join(tmpdir(), 'herald-bench-'));
  const fd = openSync(join(dir, 'sync'), 'w+');
  const block = Buffer.alloc(4096, 1);
  const rate = (offset: (i: number) => number): number => {
    const started = performance.now();
    for (let i = 0; i < 2000; i++) { writeSync(fd, block, 0, block.length, offset(i)); fdatasyncSync(fd); }
    return Math.round(2000 / ((performance.now() - started) / 1000));
  };
  try {
    return { overwritePerSecond: rate(() => 0), appendPerSecond: rate((i) => 4096 * (i + 1)) };
  } finally {
    closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  }
}

console.log(JSON.stringify({ disk: 'fdatasync of 4 KiB', ...diskSyncRate() }));
await run({ producers: 10, batch: 100, events: 20_000, durability: 'os' }); // warm-up (JIT)
for (const s of scenarios) console.log(JSON.stringify(await run(s)));
