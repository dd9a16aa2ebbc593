/**
 * Consume side of the embedded SQLite log: consumer-group throughput with acks (subscribe, no-op
 * handler), replay (read from the start) and peak RSS while a slow consumer works through a backlog.
 *
 *   npm run build && node dist/bench/embedded-consume.js [mode=consume|replay|rss] [events=200000] [maxInFlight=1000]
 *
 * The backlog is written first (batches of 1000, durability 'os'), then timed. Prints one JSON line.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteLog } from '../src/backends/sqlite/index.js';
import type { SqliteLog } from '../src/backends/sqlite/sqlite-log.js';
import { subscribe } from '../src/consumer/subscribe.js';
import { createEvent } from '../src/core/envelope.js';

const mode = process.argv[2] ?? 'consume';
const total = Number(process.argv[3] ?? 200_000);
const maxInFlight = Number(process.argv[4] ?? 1000);
const pad = 'x'.repeat(240);

async function fill(log: SqliteLog, n: number): Promise<void> {
  for (let i = 0; i < n; i += 1000) {
    await log.append('bench', Array.from({ length: Math.min(1000, n - i) }, () => createEvent({ type: 'bench.appended', data: { pad } })));
  }
}

async function consumeAll(log: SqliteLog, n: number, handler: () => Promise<void> | void): Promise<number> {
  const started = performance.now();
  await new Promise<void>((resolve) => {
    let handled = 0;
    const sub = subscribe(log, 'bench', { group: 'g', maxInFlight, concurrency: 64 }, async () => {
      await handler();
      if (++handled === n) void sub.close().then(resolve);
    });
  });
  return (performance.now() - started) / 1000;
}

async function replay(log: SqliteLog): Promise<{ n: number; seconds: number }> {
  const started = performance.now();
  let n = 0;
  for await (const e of log.read('bench')) if (e.position > 0) n++;
  return { n, seconds: (performance.now() - started) / 1000 };
}

const dir = mkdtempSync(join(tmpdir(), 'herald-bench-'));
const log = await openSqliteLog({ path: join(dir, 'bench.db'), durability: 'os' });
try {
  await fill(log, total);
  await log.checkpoint('TRUNCATE');
  if (mode === 'replay') {
    await replay(log); // warm: page cache and JIT
    const { n, seconds } = await replay(log);
    console.log(JSON.stringify({ mode, events: n, seconds: Number(seconds.toFixed(3)), eventsPerSecond: Math.round(n / seconds) }));
  } else if (mode === 'rss') {
    const before = process.memoryUsage().rss;
    const sample = setInterval(() => undefined, 50);
    // A slow consumer: each handler waits 1 ms; the backlog must not be loaded into memory.
    const slow = Math.min(total, 50_000);
    const seconds = await consumeAll(log, slow, () => new Promise((r) => setTimeout(r, 1)));
    clearInterval(sample);
    console.log(JSON.stringify({ mode, backlog: total, handled: slow, seconds: Number(seconds.toFixed(3)), rssBeforeMB: Math.round(before / 2 ** 20), peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024) }));
  } else {
    const seconds = await consumeAll(log, total, () => undefined);
    console.log(JSON.stringify({ mode, events: total, maxInFlight, seconds: Number(seconds.toFixed(3)), eventsPerSecond: Math.round(total / seconds) }));
  }
} finally {
  await log.close();
  rmSync(dir, { recursive: true, force: true });
}
