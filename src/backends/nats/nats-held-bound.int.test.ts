/**
 * What one process holds of a group stays bounded. Events pulled for a key that is busy here wait
 * in the process (the server counts them as pending); fetching again while the key stays busy
 * must not pull ever more of them, or the group reaches `max_ack_pending`, after which the server
 * leaves pulls unanswered (R10 with a backlog drained at one batch per 10 s that way).
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { connect } from '@nats-io/transport-node';
import { makeEvents } from '../../../test/conformance/helpers.js';
import { requireService, SERVICE_URLS } from '../../../test/services.js';
import type { Delivery, EventLog } from '../../log/types.js';
import { openNatsLog } from './index.js';
import { Layout } from './layout.js';
import { deleteStreams, uniquePrefix } from './test-helpers.js';

const prefixes: string[] = [];
after(() => deleteStreams(prefixes).then(() => undefined));

const TOPIC = 'held';
const GROUP = 'g';
const acks = (ds: readonly Delivery[]) => ds.map((d) => ({ kind: 'ack' as const, position: d.position, leaseId: d.leaseId }));
const positions = (ds: readonly Delivery[]): number[] => ds.map((d) => d.position);
const range = (from: number, count: number): number[] => Array.from({ length: count }, (_, i) => from + i);
/** A fetch of at most 10 with a long lease (the first one starts the group at the earliest event). */
const next = (log: EventLog, first = false): Promise<Delivery[]> =>
  log.fetch(TOPIC, GROUP, { max: 10, leaseMs: 60_000, ...(first ? { from: 'earliest' as const } : {}) });

/** The group's unacked messages as the server counts them. */
async function ackPending(prefix: string): Promise<number> {
  const nc = await connect({ servers: SERVICE_URLS.nats, timeout: 3000 });
  try {
    const info = (await nc.request(`$JS.API.CONSUMER.INFO.${new Layout(prefix).stream(TOPIC)}.${GROUP}`, '', { timeout: 5000 })).json<{ num_ack_pending: number }>();
    return info.num_ack_pending;
  } finally {
    await nc.close();
  }
}

describe('nats: what a process holds of a group is bounded', () => {
  it('fetches while a key is busy hold at most 8 × max of its later events; once it is acked the next come, in order', async (t) => {
    if (!(await requireService('nats', (m) => t.skip(m)))) return;
    const prefix = uniquePrefix('hb');
    prefixes.push(prefix);
    const log = await openNatsLog({ servers: SERVICE_URLS.nats, prefix });
    try {
      await log.append(TOPIC, makeEvents(2_000, { key: () => 'k' }));
      const first = await next(log, true);
      assert.deepEqual(positions(first), range(1, 10));
      for (let i = 0; i < 20; i++) assert.deepEqual(await next(log), [], 'the key is busy');
      // Unbounded, each of the 20 fetches pulled 80 more: 1,610 pending.
      const pending = await ackPending(prefix);
      assert.ok(pending <= 80, `${pending} messages pending on the server, at most 8 × max expected`);
      assert.deepEqual(await log.settle(TOPIC, GROUP, acks(first)), first.map(() => 'ok'));
      assert.deepEqual(positions(await next(log)), range(11, 10));
    } finally {
      await log.close();
    }
  });

  it('a group at its max_ack_pending: a fetch answers at once instead of waiting for a pull the server leaves unanswered', { timeout: 15_000 }, async (t) => {
    if (!(await requireService('nats', (m) => t.skip(m)))) return;
    const prefix = uniquePrefix('hm');
    prefixes.push(prefix);
    // A pull left unanswered would wait requestTimeoutMs (30 s): past this test's own limit.
    const log = await openNatsLog({ servers: SERVICE_URLS.nats, prefix, maxAckPending: 50, requestTimeoutMs: 30_000 });
    try {
      await log.append(TOPIC, makeEvents(500, { key: () => 'k' }));
      const first = await next(log, true);
      assert.deepEqual(positions(first), range(1, 10));
      for (let i = 0; i < 5; i++) assert.deepEqual(await next(log), []);
      assert.equal(await ackPending(prefix), 50);
      await log.settle(TOPIC, GROUP, acks(first));
      assert.deepEqual(positions(await next(log)), range(11, 10));
    } finally {
      await log.close();
    }
  });

  it('two processes on a group at its max_ack_pending: a fetch that gets no answer to its pull returns without waiting the request timeout', { timeout: 15_000 }, async (t) => {
    if (!(await requireService('nats', (m) => t.skip(m)))) return;
    const prefix = uniquePrefix('hp');
    prefixes.push(prefix);
    // Each holds at most 8 × max = 80 of the group, so together they can reach max_ack_pending (100).
    const options = { servers: SERVICE_URLS.nats, prefix, maxAckPending: 100, requestTimeoutMs: 30_000 };
    const [a, b] = [await openNatsLog(options), await openNatsLog(options)];
    try {
      await a.append(TOPIC, makeEvents(500, { key: (n) => `k${n % 2}` }));
      const held = await next(a, true);
      assert.equal(held.length, 10);
      for (let i = 0; i < 3; i++) await next(a);
      const fromB: Delivery[] = [];
      for (let i = 0; i < 3; i++) fromB.push(...await next(b));
      assert.equal(await ackPending(prefix), 100, 'the group is at its max_ack_pending');
      // Unanswered, it would wait requestTimeoutMs (30 s), past this test's limit.
      const started = Date.now();
      await next(b);
      t.diagnostic(`a fetch on a group at max_ack_pending took ${Date.now() - started} ms`);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});
