/**
 * End-to-end latency of the embedded SQLite log: events published one by one at a fixed rate
 * (durability 'fsync'), handled by a subscription in the same process; latency is publish call ->
 * handler start. Also reports publish (ack) latency.
 *
 *   npm run build && node dist/bench/embedded-latency.js [rate=5000] [seconds=5]
 *
 * Prints one JSON line with p50 / p99 / p99.9 / max in milliseconds.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHistogram, type RecordableHistogram } from 'node:perf_hooks';
import { openSqliteLog } from '../src/backends/sqlite/index.js';
import { subscribe } from '../src/consumer/subscribe.js';
import { createEvent } from '../src/core/envelope.js';

const rate = Number(process.argv[2] ?? 5000);
const seconds = Number(process.argv[3] ?? 5);
const pad = 'x'.repeat(220);
const total = Math.round(rate * seconds);

const dir = mkdtempSync(join(tmpdir(), 'herald-bench-'));
const log = await openSqliteLog({ path: join(dir, 'bench.db') });
const e2e = createHistogram();
const acked = createHistogram();
const record = (h: RecordableHistogram, since: number): void => h.record(Math.max(1, Math.round((performance.now() - since) * 1e6)));
const warmup = Math.min(1000, Math.floor(total / 10));
let handled = 0;
const done = new Promise<void>((resolve) => {
  const sub = subscribe<{ at: number; pad: string }>(log, 'bench', { group: 'g' }, (event) => {
    if (++handled > warmup) record(e2e, event.data!.at);
    if (handled === total) void sub.close().then(resolve);
  });
});
const started = performance.now();
let sent = 0;
await new Promise<void>((resolve) => {
  const tick = (): void => {
    const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * rate));
    while (sent < due) {
      const at = performance.now();
      const counted = ++sent > warmup;
      void log.append('bench', [createEvent({ type: 'bench.latency', data: { at, pad } })]).then(() => { if (counted) record(acked, at); });
    }
    if (sent < total) setTimeout(tick, 1);
    else resolve();
  };
  tick();
});
await done;
const ms = (h: RecordableHistogram, p: number): number => Number((h.percentile(p) / 1e6).toFixed(3));
console.log(JSON.stringify({
  rate, events: total, seconds: Number(((performance.now() - started) / 1000).toFixed(2)),
  e2e: { p50: ms(e2e, 50), p99: ms(e2e, 99), p999: ms(e2e, 99.9), max: Number((e2e.max / 1e6).toFixed(3)) },
  publishAck: { p50: ms(acked, 50), p99: ms(acked, 99), p999: ms(acked, 99.9) },
}));
await log.close();
rmSync(dir, { recursive: true, force: true });
