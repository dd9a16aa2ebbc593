/**
 * A 3-node JetStream cluster (R3 streams) started from the nats-server binary: one node is
 * SIGKILLed during continuous publishing and consuming, then restarted. Every append that was
 * acknowledged is delivered to the group at least once; none is lost.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { makeEvents } from '../../../test/conformance/helpers.js';
import type { CloudEvent } from '../../core/envelope.js';
import { LocalCluster, type Node } from './cluster-helpers.js';
import { connect } from '@nats-io/transport-node';
import { openNatsLog, type NatsLog } from './index.js';

const hasServer = ((): boolean => {
  try { execFileSync('nats-server', ['--version'], { stdio: 'ignore' }); return true; } catch { return false; }
})();
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('nats: 3-node JetStream cluster', () => {
  it('loses no acknowledged event when a node is killed and restarted during publishing and consuming', { timeout: 90_000 }, async (t) => {
    if (!hasServer) {
      if (process.env.CI === 'true') throw new Error('CI=true and nats-server is not on PATH');
      t.skip('nats-server is not on PATH');
      return;
    }
    const cluster = new LocalCluster(3);
    let log: NatsLog | undefined;
    try {
      cluster.startAll();
      await cluster.ready();
      log = await openNatsLog({ servers: cluster.urls, prefix: 'hc', replicas: 3, requestTimeoutMs: 2_000, ackWaitMs: 2_000 });
      const acknowledged = new Set<string>();
      const delivered = new Set<string>();
      let producing = true;
      let appendErrors = 0;
      let fetchErrors = 0;
      const produce = async (): Promise<void> => {
        for (let n = 0; producing; n += 20) {
          const batch: CloudEvent[] = makeEvents(20, { start: n, key: (i) => `k${i % 7}` });
          for (;;) { // the same batch again after a failure: known ids are not written twice
            try {
              const receipts = await log!.append('orders', batch);
              receipts.forEach((r) => acknowledged.add(r.id));
              break;
            } catch {
              appendErrors++;
              await sleep(100);
            }
          }
          await sleep(20);
        }
      };
      const consume = async (until: () => boolean): Promise<void> => {
        while (!until()) {
          try {
            const batch = await log!.fetch('orders', 'billing', { max: 50, leaseMs: 10_000 });
            batch.forEach((d) => delivered.add(d.event.id));
            if (batch.length > 0) await log!.settle('orders', 'billing', batch.map((d) => ({ kind: 'ack' as const, position: d.position, leaseId: d.leaseId })));
            else await sleep(20);
          } catch {
            fetchErrors++;
            await sleep(100);
          }
        }
      };
      // Wait for the stream before the clock starts.
      await log.append('orders', makeEvents(1, { start: -1 })).then((r) => r.forEach((x) => acknowledged.add(x.id)));
      const producer = produce();
      let deadline = Infinity;
      const caughtUp = (): boolean => !producing && [...acknowledged].every((id) => delivered.has(id));
      const consumer = consume(() => caughtUp() || Date.now() > deadline);
      await sleep(3_000);
      const victim = await streamLeader(cluster);
      cluster.kill(victim);
      await sleep(5_000);
      cluster.start(victim);
      await sleep(4_000);
      producing = false;
      await producer;
      deadline = Date.now() + 40_000;
      await consumer;
      const finished = caughtUp();
      const lost = [...acknowledged].filter((id) => !delivered.has(id));
      t.diagnostic(`killed ${victim.name} (stream leader); ${acknowledged.size} acknowledged, ${delivered.size} delivered, ${appendErrors} append and ${fetchErrors} fetch errors retried`);
      assert.ok(acknowledged.size > 200, `publishing went on (${acknowledged.size} acknowledged)`);
      assert.deepEqual(lost, [], 'every acknowledged event was delivered');
      assert.ok(finished, 'the consumer caught up in time');
    } finally {
      await log?.close().catch(() => undefined);
      cluster.stopAll();
    }
  });
});

/** The node leading the topic's stream (the most interesting one to kill), or the first node. */
async function streamLeader(cluster: LocalCluster): Promise<Node> {
  const nc = await connect({ servers: cluster.urls, timeout: 2000 });
  try {
    const info = (await nc.request('$JS.API.STREAM.INFO.hc_orders', '', { timeout: 2000 })).json<{ cluster?: { leader?: string } }>();
    return cluster.nodes.find((n) => n.name === info.cluster?.leader) ?? cluster.nodes[0]!;
  } finally {
    await nc.close();
  }
}
