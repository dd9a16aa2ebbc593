/**
 * Snapshots of a topic's group state (snapshots.ts): a log opened after many control records
 * starts from the latest snapshot instead of the first control offset, and holds the state that
 * applying every record gives (compared with a log that applied them all as they came).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { createEvent } from '../../core/envelope.js';
import { SERVICE_URLS, requireService } from '../../../test/services.js';
import type { Delivery, Settlement } from '../../log/types.js';
import { dropRabbitNamespace, openRabbitLog, type RabbitLog } from './index.js';
import type { TopicReplica } from './topic-replica.js';

const url = SERVICE_URLS.rabbitmq;
const prefixes: string[] = [];
after(async () => { for (const prefix of prefixes) await dropRabbitNamespace({ url, prefix }); });

const TOPIC = 'snap';
const LEASE = 60_000;

/** The log's copy of the topic (a private method: what the test compares). */
function replicaOf(log: RabbitLog): Promise<TopicReplica> {
  return (log as unknown as { replica(topic: string, create: boolean): Promise<TopicReplica> }).replica(TOPIC, false);
}

/** Every kind of row a group can hold: acked, nacked with a delay and an error, released, extended, requeued. */
async function consumeSome(log: RabbitLog, group: string, rounds: number): Promise<void> {
  for (let round = 0; round < rounds; round++) {
    const batch: Delivery[] = await log.fetch(TOPIC, group, { max: 4, leaseMs: LEASE });
    const settlements: Settlement[] = batch.map((d, i) => {
      if (i === 1 && round % 3 === 0) return { kind: 'nack', position: d.position, leaseId: d.leaseId, delayMs: 3_600_000, error: { message: `round ${round}`, name: 'Error' } };
      if (i === 2 && round % 4 === 0) return { kind: 'release', position: d.position, leaseId: d.leaseId };
      if (i === 3 && round % 5 === 0) return { kind: 'extend', position: d.position, leaseId: d.leaseId, leaseMs: LEASE };
      return { kind: 'ack', position: d.position, leaseId: d.leaseId };
    });
    if (settlements.length > 0) await log.settle(TOPIC, group, settlements);
  }
}

describe('rabbitmq: snapshots of the group state', () => {
  it('a log opened later starts from the latest snapshot and holds the state a full replay gives', async (t) => {
    if (!await requireService('rabbitmq', (m) => t.skip(m))) return;
    const prefix = `hs${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
    prefixes.push(prefix);
    const a = await openRabbitLog({ url, prefix, snapshotEvery: 16 });
    let b: RabbitLog | undefined;
    try {
      await a.append(TOPIC, Array.from({ length: 60 }, (_, n) => createEvent({ type: 'snap.e', key: `k${n % 4}`, data: { n } })));
      await consumeSome(a, 'g1', 12);
      await a.requeue(TOPIC, 'g1', createEvent({ type: 'snap.edited', key: 'k1', data: { edited: true } }), 3);
      assert.equal(await a.deleteEvent(TOPIC, 50), true);
      await a.resetGroup(TOPIC, 'g2', { position: 10 });
      await consumeSome(a, 'g2', 3);
      await a.setRetention(TOPIC, { maxCount: 20 });
      assert.ok(await a.applyRetention() > 0, 'retention trimmed something (and kept what g1 holds)');
      await consumeSome(a, 'g1', 2);

      const fromStart = await replicaOf(a);
      assert.equal(fromStart.startedAfter, undefined, 'the first log replayed from the first offset');
      b = await openRabbitLog({ url, prefix, snapshotEvery: 16 });
      const fromSnapshot = await replicaOf(b);
      assert.ok(fromSnapshot.startedAfter !== undefined && fromSnapshot.startedAfter >= 15, `started after snapshot ${fromSnapshot.startedAfter}`);
      assert.deepEqual(fromSnapshot.state.snapshot(), fromStart.state.snapshot(), 'the same groups, leases, retention and deletions');
      assert.deepEqual(await b.groups(TOPIC), await a.groups(TOPIC));

      // Both go on as one state machine: b's lease is settled by a.
      const next = await b.fetch(TOPIC, 'g3', { max: 2, leaseMs: LEASE });
      assert.equal(next.length, 2);
      assert.deepEqual(await a.settle(TOPIC, 'g3', next.map((d) => ({ kind: 'ack', position: d.position, leaseId: d.leaseId }))), next.map(() => 'ok'));
      // b sees a's settle once its tail has applied it (reads are local: docs/backends/rabbitmq.md).
      const expected = await a.groups(TOPIC);
      const deadline = Date.now() + 10_000;
      while (JSON.stringify(await b.groups(TOPIC)) !== JSON.stringify(expected) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      assert.deepEqual(await b.groups(TOPIC), expected);
    } finally {
      await b?.close();
      await a.close();
    }
  });

  it('a topic deleted and made again starts without the old generation\'s snapshots', async (t) => {
    if (!await requireService('rabbitmq', (m) => t.skip(m))) return;
    const prefix = `hs${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
    prefixes.push(prefix);
    const a = await openRabbitLog({ url, prefix, snapshotEvery: 4 });
    try {
      await a.append(TOPIC, Array.from({ length: 20 }, (_, n) => createEvent({ type: 'snap.e', data: { n } })));
      await consumeSome(a, 'g', 6);
      await a.deleteTopic(TOPIC);
      await a.append(TOPIC, [createEvent({ type: 'snap.e', data: { n: 'again' } })]);
      const b = await openRabbitLog({ url, prefix, snapshotEvery: 4 });
      try {
        assert.deepEqual(await b.groups(TOPIC), []);
        const [first] = await b.fetch(TOPIC, 'g', { max: 10, leaseMs: LEASE });
        assert.deepEqual(first?.event.data, { n: 'again' });
      } finally {
        await b.close();
      }
    } finally {
      await a.close();
    }
  });
});
