/**
 * R14 on NATS: a pull request held by a stalled network reaches the server after the pull gave
 * up (`requestTimeoutMs`). The server then sends its answer to the pull's reply inbox; were that
 * inbox gone, the events would stay leased on the server until `ack_wait` (120 s here). The puller
 * keeps a timed-out pull's inbox (src/backends/nats/puller.ts), so those events reach the next
 * fetch at once, first attempt.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { it } from 'node:test';
import { createEvent } from '../../src/core/envelope.js';
import { openNatsLog } from '../../src/backends/nats/index.js';
import { deleteStreams, uniquePrefix } from '../../src/backends/nats/test-helpers.js';
import { seedFromEnv, seededRandom } from '../crash/random.js';
import { requireService, SERVICES, SERVICE_URLS } from '../services.js';
import { FaultProxy } from './fault-proxy.js';
import { check, describeResult, History } from './history.js';

const EVENTS = Number(process.env.HERALD_R14_LATE_EVENTS ?? 20);
const TOPIC = 'r14.late';
const GROUP = 'g';
/** Far above how long the test waits for the events: a redelivery by the server cannot pass. */
const ACK_WAIT_MS = 120_000;
const WAIT_MS = 20_000;

it('nats: events answering a pull that timed out during a stall reach the next fetch, not after ack_wait', { timeout: 90_000 }, async (t) => {
  if (!(await requireService('nats', (message) => t.skip(message)))) return;
  const seed = seedFromEnv();
  console.log(`R14 nats late pull: seed ${seed} (replay with HERALD_SEED=${seed}), ${EVENTS} events`);
  const random = seededRandom(seed);
  const prefix = uniquePrefix('late');
  const proxy = await FaultProxy.start(SERVICES.nats);
  t.after(async () => {
    await proxy.close();
    await deleteStreams([prefix]);
  });
  const log = await openNatsLog({ servers: proxy.rewrite(SERVICE_URLS.nats), prefix, requestTimeoutMs: 1000, ackWaitMs: ACK_WAIT_MS });
  t.after(() => log.close().catch(() => undefined));
  const history = new History();
  const events = Array.from({ length: EVENTS }, (_, n) => createEvent({ type: 'r14.late', id: `late-${seed}-${n}`, key: `k${Math.floor(random() * 4)}`, data: { n } }));
  for (const e of events) history.invoke('producer', TOPIC, e.partitionkey ?? '', e.id);
  for (const r of await log.append(TOPIC, events)) history.ok(r.id, r.position);

  const deliver = async (max: number): Promise<number> => {
    const got = await log.fetch(TOPIC, GROUP, { max, leaseMs: 30_000 });
    for (const d of got) {
      history.deliver(TOPIC, GROUP, { id: d.event.id, key: d.event.partitionkey ?? '', position: d.position });
      assert.equal(d.attempt, 1, `position ${d.position} is on its first attempt (a late answer is not a failed one)`);
    }
    const outcomes = await log.settle(TOPIC, GROUP, got.map((d) => ({ kind: 'ack' as const, position: d.position, leaseId: d.leaseId })));
    assert.ok(outcomes.every((o) => o === 'ok'));
    return got.length;
  };
  // One event before the stall: the group and its consumers exist, nothing to create during it.
  let delivered = await deliver(1);

  proxy.blackhole();
  const during = await log.fetch(TOPIC, GROUP, { max: EVENTS, leaseMs: 30_000 }).then((d) => d.length, (error: unknown) => String(error));
  t.diagnostic(`fetch during the stall: ${String(during)}`);
  assert.ok(during === 0 || typeof during === 'string', 'nothing is delivered while the server cannot be reached');
  proxy.heal('flush');
  const healedAt = Date.now();

  while (delivered < EVENTS && Date.now() - healedAt < WAIT_MS) {
    delivered += await deliver(EVENTS).catch(() => 0);
    if (delivered < EVENTS) await sleep(50);
  }
  const afterMs = Date.now() - healedAt;
  console.log(`R14 nats late pull: ${delivered}/${EVENTS} delivered ${afterMs} ms after the heal (ack_wait ${ACK_WAIT_MS} ms)`);
  assert.equal(delivered, EVENTS, `every event reached the group before ack_wait (${delivered} of ${EVENTS} within ${WAIT_MS} ms)`);

  const stored: { position: number; id: string; key: string }[] = [];
  for await (const s of log.read(TOPIC)) stored.push({ position: s.position, id: s.event.id, key: s.event.partitionkey ?? '' });
  history.read(TOPIC, stored);
  const result = check(history.ops, { contiguous: true });
  // nats does not claim per-key order in a group: count reorders, do not fail on them.
  const anomalies = result.anomalies.filter((a) => !(a.kind === 'reordered' && a.group !== undefined));
  t.diagnostic(describeResult(result));
  assert.deepEqual(anomalies, [], describeResult(result));
});
