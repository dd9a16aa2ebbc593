/**
 * The process whose memory R13 measures: an embedded SqliteLog over a large backlog on topic
 * `backlog`, one consumer group `slow` paced at `rate` events/s, and `producers` loops
 * appending one 256-byte event at a time, at full speed, for `seconds`.
 * Protocol: prints `OPEN` once the log is open, waits for a line on stdin (the parent samples
 * the baseline meanwhile), then prints `D <position> <id> <key>` per delivery,
 * `STAT <json>` each second (after a full GC) and `DONE <json>` at the end.
 * Usage: node --expose-gc backpressure-child.js <db> <seconds> <rate> <producers>
 */
import { once } from 'node:events';
import { openSqliteLog } from '../../src/backends/sqlite/index.js';
import { subscribe } from '../../src/consumer/subscribe.js';
import { backlogEvent } from './backpressure-backlog.js';
import { writeLine } from './write-line.js';

const [, , path, seconds, rate, producers] = process.argv;
if (!path) throw new Error('usage: backpressure-child.js <db> <seconds> <rate> <producers>');
const runMs = Number(seconds) * 1000;
const intervalMs = 1000 / Number(rate);
const out = writeLine; // synchronous: a line is in the pipe before the ack that follows it
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

// A full GC before the baseline and before each STAT (the parent samples VmRSS when it reads
// one): the samples measure what is retained, not garbage V8 has not collected yet.
const gc = (globalThis as { gc?: () => void }).gc ?? ((): void => undefined);

const log = await openSqliteLog({ path });
const head = (await log.topicInfo('backlog'))?.head ?? 0;
gc();
out('OPEN');
process.stdin.setEncoding('utf8');
await once(process.stdin, 'data');
process.stdin.destroy(); // else the open pipe keeps this process alive at the end

const started = Date.now();
let handled = 0;
// concurrency 1 and a schedule (not a fixed sleep per event): exactly `rate` events a second.
const sub = subscribe<unknown>(log, 'backlog', { group: 'slow', concurrency: 1, from: 'earliest' }, async (event, ctx) => {
  const due = started + handled * intervalMs;
  if (due > Date.now()) await sleep(due - Date.now());
  handled++;
  out(`D ${ctx.delivery.position} ${event.id} ${event.partitionkey as string}`);
});

let produced = 0;
let failed = 0;
const deadline = started + runMs;
const producer = async (p: number): Promise<void> => {
  for (let n = 0; Date.now() < deadline; n++) {
    try {
      await log.append('backlog', [backlogEvent(`p${p}-${n}`, `k${n % 64}`)]);
      produced++;
    } catch (error) {
      failed++;
      if (failed === 1) process.stderr.write(`append failed: ${String(error)}\n`);
    }
  }
};
const stats = setInterval(() => {
  gc();
  const m = process.memoryUsage();
  out(`STAT ${JSON.stringify({ atMs: Date.now() - started, handled, produced, rss: m.rss, heapTotal: m.heapTotal, heapUsed: m.heapUsed, external: m.external })}`);
}, 1000);
await Promise.all(Array.from({ length: Number(producers) }, (_, p) => producer(p)));
clearInterval(stats);
await sub.close();
const tail = (await log.topicInfo('backlog'))?.head ?? 0;
out(`DONE ${JSON.stringify({ backlog: head, head: tail, handled, produced, failed, subscription: sub.stats() })}`);
await log.close();
