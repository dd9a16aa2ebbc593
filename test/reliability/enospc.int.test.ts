import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { openSqliteLog } from '../../src/backends/sqlite/index.js';
import { HeraldError } from '../../src/core/errors.js';
import { createEvent } from '../../src/core/envelope.js';
import type { EventLog } from '../../src/log/types.js';
import { check, describeResult, History } from './history.js';

// R6: ENOSPC on a 16 MiB tmpfs. A 2 MiB ballast file is the space freed once the disk is full.
const TOPIC = 'full';
const BATCH = 50;

/** Mounts a 16 MiB tmpfs (root only); undefined, with the reason, where mounting is not permitted. */
function mountTmpfs(dir: string): string | undefined {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=16m', 'tmpfs', dir], { stdio: 'pipe' });
    return undefined;
  } catch (error) {
    return `cannot mount a tmpfs here (${String((error as { stderr?: Buffer }).stderr ?? error).trim()})`;
  }
}

async function readAll(log: EventLog): Promise<{ position: number; id: string; key: string }[]> {
  const seen = [];
  for await (const s of log.read(TOPIC)) seen.push({ position: s.position, id: s.event.id, key: String(s.event.partitionkey) });
  return seen;
}

const mount = mkdtempSync(join(tmpdir(), 'herald-r6-'));
const skip = mountTmpfs(mount);

test('R6: a full disk fails appends with HERALD_E_STORAGE_FULL and no ack; reads go on; writes resume once space is freed', { skip, timeout: 3 * 60_000 }, async () => {
  const history = new History();
  let batchNo = 0;
  /** One append of BATCH events, logged in the history; returns the error code when it failed. */
  const publish = async (log: EventLog): Promise<string | undefined> => {
    const events = Array.from({ length: BATCH }, (_, i) => createEvent({
      id: `b${batchNo}-${i}`, type: 'full.tick', key: `k${i % 4}`, data: { batch: batchNo, i, pad: 'z'.repeat(1000) },
    }));
    batchNo++;
    for (const e of events) history.invoke('p', TOPIC, String(e.partitionkey), e.id);
    try {
      const receipts = await log.append(TOPIC, events);
      for (const r of receipts) history.ok(r.id, r.position);
      return undefined;
    } catch (error) {
      const code = error instanceof HeraldError ? error.code : `untyped ${String(error)}`;
      // STORAGE_FULL promises nothing was written; anything else leaves the outcome unknown.
      for (const e of events) {
        if (code === 'HERALD_E_STORAGE_FULL') history.fail(e.id);
        else history.info(e.id);
      }
      return code;
    }
  };
  try {
    writeFileSync(join(mount, 'ballast'), Buffer.alloc(2 * 1024 * 1024, 1));
    const log = await openSqliteLog({ path: join(mount, 'herald.db') });
    let firstFailure: string | undefined;
    let acked = 0;
    while (firstFailure === undefined && batchNo < 10_000) {
      firstFailure = await publish(log);
      if (firstFailure === undefined) acked += BATCH;
    }
    const free = statfsSync(mount);
    console.log(`R6: ${acked} events acked before the disk filled; first failure ${firstFailure}; ${free.bavail * free.bsize} bytes free`);
    assert.equal(firstFailure, 'HERALD_E_STORAGE_FULL');
    for (let i = 0; i < 3; i++) assert.equal(await publish(log), 'HERALD_E_STORAGE_FULL', 'still full: still a typed refusal');

    history.read(TOPIC, await readAll(log));
    let result = check(history.ops, { contiguous: true });
    assert.deepEqual(result.anomalies, [], `reads while full: ${describeResult(result)}`);

    rmSync(join(mount, 'ballast'));
    for (let i = 0; i < 5; i++) assert.equal(await publish(log), undefined, 'writes resume once space is freed');
    await log.close();

    const reopened = await openSqliteLog({ path: join(mount, 'herald.db') });
    history.read(TOPIC, await readAll(reopened));
    await reopened.close();
    result = check(history.ops, { contiguous: true });
    console.log(`R6 history: ${JSON.stringify(result.counts)}`);
    assert.deepEqual(result.anomalies, [], `after reopening: ${describeResult(result)}`);
    assert.ok(result.counts.failed >= 4 * BATCH, 'the refused appends are in the history as failed');
  } finally {
    execFileSync('umount', [mount]);
  }
});

after(() => rmSync(mount, { recursive: true, force: true }));
if (skip) console.log(`R6 skipped: ${skip}`);
