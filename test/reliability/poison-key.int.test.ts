import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { openSqliteLog } from '../../src/backends/sqlite/index.js';
import { subscribe } from '../../src/consumer/subscribe.js';
import { createEvent, type CloudEvent } from '../../src/core/envelope.js';
import { listDeadLetters, redriveDeadLetter, type DeadLetter } from '../../src/log/dead-letters.js';
import { deadLetterTopic } from '../../src/log/names.js';
import type { EventLog } from '../../src/log/types.js';
import { seededRandom, seedFromEnv } from '../crash/random.js';
import { check, describeResult, History } from './history.js';

// R8: 20k events over 32 keys; one event of key `poison` fails every attempt (maxAttempts 5).
const EVENTS = Number(process.env.HERALD_R8_EVENTS ?? 20_000);
const KEYS = 32;
const TOPIC = 'orders';
const GROUP = 'billing';
const POISON_ID = 'poison-0';

async function until(what: string, done: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function makeEvents(random: () => number, poison: boolean): CloudEvent[] {
  return Array.from({ length: EVENTS }, (_, n) => {
    const key = poison && random() < 1 / KEYS ? 'poison' : `k${Math.floor(random() * KEYS)}`;
    return createEvent({ id: `e${n}`, type: 'order.placed', key, data: { n } });
  }).map((e, n, all) => (poison && n === Math.floor(all.length / 4) ? { ...e, id: POISON_ID, partitionkey: 'poison' } : e));
}

interface Run { history: History; handled: Map<string, number>; dlq: DeadLetter[]; healthyMs: number; log: EventLog; broken: { value: boolean } }

/** Publishes, consumes until every event is handled or dead-lettered; returns what happened. */
async function run(path: string, events: readonly CloudEvent[]): Promise<Run> {
  const log = await openSqliteLog({ path });
  const history = new History();
  for (let i = 0; i < events.length; i += 500) {
    const batch = events.slice(i, i + 500);
    for (const e of batch) history.invoke('producer', TOPIC, String(e.partitionkey), e.id);
    for (const r of await log.append(TOPIC, batch)) history.ok(r.id, r.position);
  }
  const handled = new Map<string, number>();
  const broken = { value: true };
  const healthy = events.filter((e) => e.id !== POISON_ID).length;
  let healthyDone = 0;
  const started = performance.now();
  let healthyMs = 0;
  const sub = subscribe(log, TOPIC, { group: GROUP, maxAttempts: 5, backoff: { initial: 20, max: 100 }, concurrency: 8, pollInterval: 10 }, (event, ctx) => {
    history.deliver(TOPIC, GROUP, { id: event.id, position: ctx.delivery.position, key: String(event.partitionkey) });
    if (event.id === POISON_ID && broken.value) throw new Error('card declined for the poison order');
    handled.set(event.id, (handled.get(event.id) ?? 0) + 1);
    if (event.id !== POISON_ID && ++healthyDone === healthy) healthyMs = performance.now() - started;
  });
  const dlqTopic = deadLetterTopic(TOPIC, GROUP);
  const dlq = async (): Promise<DeadLetter[]> => { const all = []; for await (const d of listDeadLetters(log, dlqTopic)) all.push(d); return all; };
  const expectDlq = events.some((e) => e.id === POISON_ID) ? 1 : 0;
  await until('the group to drain', async () => (await log.groups(TOPIC))[0]?.lag === 0 && (await dlq()).length === expectDlq);
  await sub.close();
  return { history, handled, dlq: await dlq(), healthyMs, log, broken };
}

test(`R8: one poison key among ${EVENTS} events: in = out + DLQ, the DLQ entry is complete, redrive handles it once`, { timeout: 5 * 60_000 }, async () => {
  const seed = seedFromEnv();
  console.log(`R8 poison key seed ${seed} (replay with HERALD_SEED=${seed})`);
  const dir = mkdtempSync(join(tmpdir(), 'herald-r8-'));
  try {
    const baseline = await run(join(dir, 'baseline.db'), makeEvents(seededRandom(seed), false));
    await baseline.log.close();
    const events = makeEvents(seededRandom(seed), true);
    const poisoned = await run(join(dir, 'poison.db'), events);
    const { handled, dlq, history, log } = poisoned;
    const healthy = events.filter((e) => e.id !== POISON_ID).length;
    const rate = (ms: number): number => Math.round((healthy / ms) * 1000);
    console.log(`R8 throughput of the other keys: baseline ${rate(baseline.healthyMs)} ev/s, with the poison key ${rate(poisoned.healthyMs)} ev/s ` +
      `(${Math.round((100 * baseline.healthyMs) / poisoned.healthyMs)}% of baseline); ${events.filter((e) => e.partitionkey === 'poison').length} events on the poison key`);

    // in = out + DLQ, each exactly once.
    assert.equal(dlq.length, 1);
    const letter = dlq[0]!;
    assert.equal(letter.event.id, POISON_ID);
    assert.ok(!handled.has(POISON_ID), 'the poison event was not handled');
    assert.deepEqual(new Set([...handled.keys(), letter.event.id]), new Set(events.map((e) => e.id)), 'in = out + DLQ');
    assert.equal(handled.size + dlq.length, events.length);
    // The dead letter tells why.
    assert.equal(letter.context.attempts, 5);
    assert.equal(letter.context.error.message, 'card declined for the poison order');
    assert.match(letter.context.error.stack ?? '', /card declined[\s\S]*at /, 'the stack is kept');
    assert.equal(letter.context.group, GROUP);
    const result = check(history.ops, { contiguous: true });
    assert.deepEqual(result.anomalies, [], describeResult(result));

    // Redrive once the handler is fixed: handled exactly once, DLQ empty.
    poisoned.broken.value = false;
    await redriveDeadLetter(log, letter.dlqTopic, letter.dlqPosition);
    const sub = subscribe(log, TOPIC, { group: GROUP, pollInterval: 10 }, (event) => { handled.set(event.id, (handled.get(event.id) ?? 0) + 1); });
    await until('the redriven event', async () => handled.has(POISON_ID) && (await log.groups(TOPIC))[0]?.lag === 0);
    await sub.close();
    assert.equal(handled.get(POISON_ID), 1, 'redrive processes it once');
    assert.ok([...handled.values()].every((n) => n === 1), 'nothing else handled twice');
    const left = [];
    for await (const d of listDeadLetters(log, letter.dlqTopic)) left.push(d);
    assert.deepEqual(left, [], 'redrive removed the dead letter');
    await log.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
