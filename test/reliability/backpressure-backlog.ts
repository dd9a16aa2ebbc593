/**
 * R13's backlog: `count` events of ~256 bytes (stored JSON) on topic `backlog`, written in
 * large batches with `durability: 'os'` (only the build is unsynced: the measured run reopens
 * the file with the default fsync durability). Built once per test run in a temp dir.
 */
import { createEvent, type CloudEvent } from '../../src/core/envelope.js';
import { openSqliteLog } from '../../src/backends/sqlite/index.js';

const FILLER = 'x'.repeat(58);

/** One event whose stored JSON is ~256 bytes. */
export function backlogEvent(id: string, key: string): CloudEvent {
  return createEvent({ id, type: 'r13.tick', source: 'urn:r13', key, data: { id, pad: FILLER } });
}

/** Keys of the backlog: `key(n)` for event n (a seeded choice in the test). */
export async function buildBacklog(path: string, count: number, key: (n: number) => string, batch = 5_000): Promise<number> {
  const started = Date.now();
  const log = await openSqliteLog({ path, durability: 'os' });
  try {
    for (let n = 0; n < count; n += batch) {
      const events = Array.from({ length: Math.min(batch, count - n) }, (_, i) => backlogEvent(`b${n + i}`, key(n + i)));
      await log.append('backlog', events);
    }
  } finally {
    await log.close();
  }
  return Date.now() - started;
}
