/**
 * The process R6's EIO test runs under `strace -e inject=...:error=EIO` (eio-fsync.e2e.test.ts).
 * It appends one event per append, `window` appends in flight, and reports on stdout, one line
 * each: `I id` before an append, `O id position` when it resolves, `F id code` when it rejects.
 * After the first rejection it makes `after` more appends, one at a time (each must be refused),
 * then reads the topic back (`R position id key` per event) and closes the log.
 * Usage: node eio-child.js <db> <topic> <appends> <window> <after> <wal|checkpoint>
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { openSqliteLog } from '../../src/backends/sqlite/index.js';
import { createEvent } from '../../src/core/envelope.js';
import { HeraldError } from '../../src/core/errors.js';
import { writeLine as say } from './write-line.js';

const [, , path, topic, appends, window, after, mode] = process.argv;
if (!path || !topic || (mode !== 'wal' && mode !== 'checkpoint')) throw new Error('usage: eio-child.js <db> <topic> <appends> <window> <after> <wal|checkpoint>');
// checkpoint: one after every synced commit, so the checkpoint worker syncs the database file often.
const log = await openSqliteLog({ path, ...(mode === 'checkpoint' ? { checkpointBytes: 0, checkpointIntervalMs: 10 } : {}) });

let failed = false;
const append = async (n: number): Promise<void> => {
  const event = createEvent({ id: `e${n}`, type: 'eio.tick', key: `k${n % 4}`, data: { n, pad: 'e'.repeat(200) } });
  say(`I ${event.id}`);
  try {
    const [receipt] = await log.append(topic, [event]);
    say(`O ${event.id} ${receipt!.position}`);
  } catch (error) {
    failed = true;
    say(`F ${event.id} ${error instanceof HeraldError ? error.code : `untyped:${String(error).replace(/\s+/g, '_')}`}`);
  }
};

let next = 0;
const total = Number(appends);
await Promise.all(Array.from({ length: Number(window) }, async () => {
  while (!failed && next < total) {
    await append(next++);
    // Checkpoints run on their own thread: paced appends give them time to come round.
    if (mode === 'checkpoint') await sleep(2);
  }
}));
if (failed) for (let i = 0; i < Number(after); i++) await append(next++);
for await (const s of log.read(topic)) say(`R ${s.position} ${s.event.id} ${String(s.event.partitionkey)}`);
await log.close();
say('DONE');
