/**
 * R3 on NATS with exclusive groups: per-key order across processes through consumer kills. Two
 * worker processes (consumer-kill-nats-child.ts) consume one group of a NatsLog opened with
 * `exclusiveGroups`; one holds the group, the other stands by. This test publishes
 * `HERALD_R3N_EVENTS` (3,000) keyed events at an even rate over the kill window and SIGKILLs the
 * worker that holds the group every `HERALD_R3N_INTERVAL_MS` (3,000) ms, `HERALD_R3N_KILLS` (4)
 * times, restarting it at once. The standby takes over (after the lock's ttl, `ackWaitMs`) and
 * must not pass a key's event the killed worker held: the history checker reports a key's first
 * deliveries out of position order, a skip or a loss.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { openNatsLog } from '../../src/backends/nats/index.js';
import { deleteStreams, uniquePrefix } from '../../src/backends/nats/test-helpers.js';
import { createEvent } from '../../src/core/envelope.js';
import { requireService, SERVICE_URLS } from '../services.js';
import { Workers } from './consumer-kill-workers.js';
import { check, describeResult, History } from './history.js';

const EVENTS = Number(process.env.HERALD_R3N_EVENTS ?? 3_000);
const KILLS = Number(process.env.HERALD_R3N_KILLS ?? 4);
const INTERVAL_MS = Number(process.env.HERALD_R3N_INTERVAL_MS ?? 3_000);
const ACK_WAIT_MS = 1_000;
const HANDLER_MS = 20;
const BATCH = 25;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

test(`R3 nats (exclusive groups): 2 consumers, ${EVENTS} keyed events, the holder SIGKILLed every ${INTERVAL_MS} ms (${KILLS} kills)`, { timeout: 5 * 60_000 }, async (t) => {
  if (!(await requireService('nats', (m) => t.skip(m)))) return;
  const prefix = uniquePrefix('r3');
  const log = await openNatsLog({ servers: SERVICE_URLS.nats, prefix, ackWaitMs: ACK_WAIT_MS });
  const workers = new Workers(join(import.meta.dirname, 'consumer-kill-nats-child.js'), [SERVICE_URLS.nats, prefix, String(ACK_WAIT_MS), String(HANDLER_MS)]);
  try {
    const history = new History();
    await workers.startAll(2);
    const windowMs = (KILLS + 1) * INTERVAL_MS;
    const started = Date.now();
    const produce = (async (): Promise<void> => {
      for (let n = 0; n < EVENTS; n += BATCH) {
        const events = Array.from({ length: Math.min(BATCH, EVENTS - n) }, (_, i) => createEvent({ id: `e${n + i}`, type: 'work.item', key: `k${(n + i) % 32}`, data: { n: n + i } }));
        events.forEach((e) => history.invoke('producer', 'work', e.partitionkey as string, e.id));
        (await log.append('work', events)).forEach((r) => history.ok(r.id, r.position));
        const due = started + ((n + BATCH) / EVENTS) * windowMs;
        if (due > Date.now()) await sleep(due - Date.now());
      }
    })();
    const holders = new Set<number>();
    for (let k = 0; k < KILLS; k++) {
      await sleep(INTERVAL_MS);
      // The holder is the worker that handled the latest event.
      const latest = workers.lines('H').reduce<string[] | undefined>((a, l) => (!a || Number(l[5]) > Number(a[5]) ? l : a), undefined);
      const slot = workers.slotOf(Number(latest?.[3]));
      if (latest) holders.add(Number(latest[3]));
      await workers.killAndRestart(slot ?? 0);
    }
    await produce;
    let lag = -1;
    for (const deadline = Date.now() + 60_000; Date.now() < deadline;) {
      lag = (await log.groups('work')).find((g) => g.group === 'alo')?.lag ?? -1;
      if (lag === 0) break;
      await sleep(50);
    }
    workers.stopAll();
    assert.equal(lag, 0, 'the group caught up within 60 s of the last publish');

    const handledInOrder = [...workers.lines('H')].sort((a, b) => Number(a[5]) - Number(b[5]));
    for (const [id, position, key] of handledInOrder) history.deliver('work', 'alo', { id: id!, position: Number(position), key: key! });
    const stored = [];
    for await (const e of log.read('work')) stored.push({ position: e.position, id: e.event.id, key: e.event.partitionkey as string });
    history.read('work', stored);
    const result = check(history.ops, { contiguous: true });
    const redelivered = new Set(workers.lines('H').filter((l) => Number(l[4]) > 1).map(([id]) => id)).size;
    const pids = new Set(workers.lines('H').map((l) => l[3])).size;
    console.log(`R3 nats: ${EVENTS} events, ${workers.kills} kills of the holder, ${pids} processes handled events, ${redelivered} events redelivered; ${describeResult(result)}`);
    assert.deepEqual(workers.crashes, [], 'no worker died other than by SIGKILL');
    assert.deepEqual(result.anomalies, [], describeResult(result));
    assert.equal(new Set(workers.lines('H').map(([id]) => id)).size, EVENTS, 'every event handled');
    assert.ok(pids >= KILLS, `the group moved between processes (${pids} handled events)`);
    assert.ok(redelivered > 0, 'the kills found deliveries in flight (the test attacked something)');
  } finally {
    workers.stopAll();
    await log.close();
    await deleteStreams([prefix]);
  }
});
