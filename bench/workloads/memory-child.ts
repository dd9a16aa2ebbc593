/**
 * The herald process of the memory workload (forked, so its RSS is herald's alone): fills a
 * backlog, then lets a slow consumer (each handler waits `handlerMs`) work through it while RSS
 * is sampled. Reports one JSON message to the parent over IPC.
 */
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { openSqliteLog } from '../../src/backends/sqlite/index.js';
import { subscribe } from '../../src/consumer/subscribe.js';
import { createEvent } from '../../src/core/envelope.js';
import { payload } from '../payload.js';

export interface MemoryChildArgs { dir: string; events: number; consumeMs: number; sampleMs: number; handlerMs: number; concurrency: number }
export interface MemoryChildResult {
  fillMs: number; fillPeakMB: number; rssAfterFillMB: number; peakMB: number; endMB: number;
  consumed: number; samples: [number, number][];
}

const mb = (): number => Math.round((process.memoryUsage.rss() / 1048576) * 10) / 10;

async function main(args: MemoryChildArgs): Promise<MemoryChildResult> {
  const log = await openSqliteLog({ path: join(args.dir, 'herald.db'), durability: 'fsync' });
  let fillPeakMB = mb();
  const t0 = performance.now();
  const batch = 1000;
  let next = 0;
  const writer = async (): Promise<void> => {
    while (next < args.events) {
      const from = next;
      next = Math.min(args.events, next + batch);
      const events = Array.from({ length: next - from }, (_, i) => createEvent({ type: 'bench.event', data: payload(from + i) }));
      await log.append('bench', events);
      fillPeakMB = Math.max(fillPeakMB, mb());
    }
  };
  await Promise.all([writer(), writer(), writer(), writer()]);
  const fillMs = performance.now() - t0;
  const rssAfterFillMB = mb();
  let consumed = 0;
  const sub = subscribe(log, 'bench', { group: 'slow', concurrency: args.concurrency }, async () => {
    await sleep(args.handlerMs);
    consumed++;
  });
  const samples: [number, number][] = [];
  const c0 = performance.now();
  while (performance.now() - c0 < args.consumeMs) {
    samples.push([Math.round(performance.now() - c0) / 1000, mb()]);
    await sleep(args.sampleMs);
  }
  samples.push([Math.round(performance.now() - c0) / 1000, mb()]);
  await sub.close();
  await log.close();
  const rss = samples.map(([, v]) => v);
  return { fillMs, fillPeakMB, rssAfterFillMB, peakMB: Math.max(...rss), endMB: rss[rss.length - 1] ?? NaN, consumed, samples };
}

const args = JSON.parse(process.argv[2] ?? '{}') as MemoryChildArgs;
main(args).then(
  (result) => process.send?.({ ok: true, result }, () => process.exit(0)),
  (error: unknown) => process.send?.({ ok: false, error: error instanceof Error ? error.stack ?? error.message : String(error) }, () => process.exit(1)),
);
