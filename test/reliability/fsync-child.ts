/**
 * The process the fsync audit traces. It appends sequentially (one append in flight) and writes a
 * marker to stdout right before each append (`I n`) and right when its promise resolves (`A n`),
 * with a synchronous write so the marker is one write(2) at that instant (retried on EAGAIN when
 * the parent has not drained the pipe: strace-audit.ts counts a marker from its first attempt).
 * Usage: node fsync-child.js <db> <fsync|os> <singles> <batches> <batchSize>
 */
import { openSqliteLog } from '../../src/backends/sqlite/index.js';
import { createEvent } from '../../src/core/envelope.js';
import { writeLine as mark } from './write-line.js';

const [, , path, durability, singles, batches, batchSize] = process.argv;
if (!path || (durability !== 'fsync' && durability !== 'os')) throw new Error('usage: fsync-child.js <db> <fsync|os> <singles> <batches> <batchSize>');
const log = await openSqliteLog({ path, durability });
const event = (n: number, i: number) => createEvent({ id: `e-${n}-${i}`, type: 'audit.tick', key: `k${n % 8}`, data: { n, i, pad: 'x'.repeat(200) } });

let n = 0;
const plan: number[] = [...Array<number>(Number(singles)).fill(1), ...Array<number>(Number(batches)).fill(Number(batchSize))];
for (const size of plan) {
  n++;
  const events = Array.from({ length: size }, (_, i) => event(n, i));
  mark(`I ${n}`);
  await log.append('audit', events);
  mark(`A ${n}`);
}
await log.close();
mark('DONE');
