import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { isHeraldError } from '../../core/errors.js';
import { fromSync } from './errors.js';
import { AppendQueue, LEAD_MIN_EVENTS, SyncScheduler } from './group-commit.js';

/** A sync whose completion the test controls. */
function manualSync(): { fn: () => Promise<void>; started: number; finish: (error?: Error) => void } {
  const pending: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];
  const m = {
    started: 0,
    fn: () => new Promise<void>((resolve, reject) => { m.started++; pending.push({ resolve, reject }); }),
    finish: (error?: Error) => { const p = pending.shift()!; if (error) p.reject(error); else p.resolve(); },
  };
  return m;
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

test('a waiter is released only by a sync that started after its commit; one sync at a time', async () => {
  const sync = manualSync();
  const s = new SyncScheduler(sync.fn, fromSync, {}, 0);
  const done: number[] = [];
  const c1 = s.commit();
  void s.durable(c1).then(() => done.push(1));
  void s.durable(c1).then(() => done.push(11));
  assert.equal(sync.started, 1);
  const c2 = s.commit(); // committed while the first sync runs: must wait for a second one
  void s.durable(c2).then(() => done.push(2));
  assert.equal(sync.started, 1);
  sync.finish();
  await tick();
  assert.deepEqual(done, [1, 11]);
  assert.equal(sync.started, 2);
  const c3 = s.commit();
  void s.durable(c3).then(() => done.push(3));
  sync.finish();
  await tick();
  assert.deepEqual(done, [1, 11, 2]);
  assert.equal(sync.started, 3);
  sync.finish();
  await tick();
  assert.deepEqual(done, [1, 11, 2, 3]);
  await s.durable(c3); // already synced: immediate
  assert.equal(sync.started, 3);
  assert.equal(s.idle, true);
  s.stop();
});

test('the periodic sync covers commits nobody waits for', async () => {
  const sync = manualSync();
  const s = new SyncScheduler(sync.fn, fromSync, {}, 5);
  s.commit();
  await new Promise((resolve) => setTimeout(resolve, 30));
  assert.equal(sync.started, 1);
  sync.finish();
  await tick();
  assert.equal(s.idle, true);
  s.stop();
});

test('a failed sync rejects its waiters and every later one (fail-stop), EIO as STORAGE_IO and ENOSPC as STORAGE_FULL', async () => {
  for (const [errno, code] of [['EIO', 'HERALD_E_STORAGE_IO'], ['ENOSPC', 'HERALD_E_STORAGE_FULL']] as const) {
    const sync = manualSync();
    let failed: unknown;
    const s = new SyncScheduler(sync.fn, fromSync, { onFailure: (e) => { failed = e; } }, 0);
    const waiting = s.durable(s.commit());
    sync.finish(Object.assign(new Error(errno), { code: errno }));
    await assert.rejects(waiting, (e: unknown) => isHeraldError(e, code));
    assert.ok(isHeraldError(failed, code));
    await assert.rejects(s.durable(s.commit()), (e: unknown) => isHeraldError(e, code));
    assert.equal(sync.started, 1);
    s.stop();
  }
});

test('appends made in one tick are flushed together, bounded by maxEvents (a big request still goes whole)', async () => {
  const batches: number[][] = [];
  const q = new AppendQueue<{ events: number[] }>((batch) => batches.push(batch.map((r) => r.events.length)), 10);
  q.push({ events: [1, 2, 3] });
  q.push({ events: [1, 2, 3, 4, 5] });
  q.push({ events: [1, 2, 3] });
  q.push({ events: Array.from({ length: 25 }, (_, i) => i) });
  assert.deepEqual(batches, []);
  await tick();
  await tick();
  await tick();
  assert.deepEqual(batches, [[3, 5], [3], [25]]);
  q.push({ events: [1] });
  q.drain();
  assert.deepEqual(batches.at(-1), [1]);
  await tick();
  assert.equal(batches.length, 4);
});

test('a leading commit takes half of a large queue (its sync overlaps writing the rest); a small queue, or one behind a running sync, goes whole', async () => {
  const batches: number[] = [];
  let syncing = false;
  const q = new AppendQueue<{ events: number[] }>((batch) => { batches.push(batch.length); syncing = true; }, 2048, () => undefined, () => !syncing);
  const push = (n: number): void => { for (let i = 0; i < n; i++) q.push({ events: [i] }); };
  push(1000);
  await tick();
  await tick();
  assert.deepEqual(batches, [500, 500]); // the second half joined while the first half's sync ran
  syncing = false;
  push(2 * LEAD_MIN_EVENTS - 1);
  await tick();
  assert.deepEqual(batches.at(-1), 2 * LEAD_MIN_EVENTS - 1);
  syncing = false;
  push(6000);
  await tick();
  assert.deepEqual(batches.at(-1), 2048); // half of 6000, bounded by maxEvents
});
