/**
 * R14 on the embedded backends (memory, sqlite): no socket to black-hole, so every call to the
 * log is made to wait (hang-log.ts) for the stall, as if the disk or a lock stopped answering.
 */
import { describe, it, type TestContext } from 'node:test';
import { openSqliteLog } from '../../src/backends/sqlite/index.js';
import { tempDir } from '../../src/backends/sqlite/test-helpers.js';
import { MemoryLog } from '../../src/log/memory/index.js';
import type { EventLog } from '../../src/log/types.js';
import { seedFromEnv } from '../crash/random.js';
import { hangingLog } from './hang-log.js';
import { assertStallRun, stallSizes } from './stall-assert.js';
import { stallRun } from './stall-run.js';

const sizes = stallSizes();
const timeout = sizes.stallMs + 300_000;

async function run(t: TestContext, backend: string, open: () => Promise<EventLog>): Promise<void> {
  const seed = seedFromEnv();
  console.log(`R14 ${backend} seed ${seed} (replay with HERALD_SEED=${seed})`);
  const hanging = hangingLog(await open());
  const result = await stallRun({ log: hanging.log, fault: { start: () => hanging.hang(), heal: () => hanging.release() }, seed, ...sizes });
  assertStallRun(t, backend, result, sizes);
}

describe('R14 stall watchdog, embedded backends', () => {
  it('memory: a hanging log is reported stalled, then resumed; nothing acked is lost', { timeout }, async (t) => {
    await run(t, 'memory', () => Promise.resolve(new MemoryLog()));
  });

  it('sqlite: a hanging log is reported stalled, then resumed; nothing acked is lost', { timeout }, async (t) => {
    const tmp = tempDir();
    t.after(() => tmp.remove());
    await run(t, 'sqlite', () => openSqliteLog({ path: tmp.file }));
  });
});
