/**
 * R11: a 3-node JetStream cluster (R3 streams) started from the nats-server binary. 4 producers
 * publish ~2,000 ev/s for `HERALD_R11_SECONDS` (default 40; the plan's soak runs 120) while a
 * consumer group drains the topic; meanwhile the stream leader is SIGKILLed twice (each time
 * restarted 1/8 of the run later) and a follower is SIGSTOPped for 10 s (the one the client is
 * connected to, if the client is on a follower). The schedule scales with
 * the run: kill at 1/8, stop at 5/12, kill at 3/4. Runs of 2 minutes or more (the soak's) also
 * partition the stream leader from its peers at 9/16 for a twentieth of the run (at least 10 s),
 * each node in its own network namespace (test/reliability/netns.ts: root only; `HERALD_R11_PARTITION`
 * 1 or 0 forces it on or off). Checked with the history checker: no acked event lost (read or
 * delivered), no id stored twice (`Nats-Msg-Id` dedup on resend), no skip. The longest pause
 * between acks after each fault (resume time) is reported, not asserted.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { check, describeResult, History } from '../../../test/reliability/history.js';
import { NetnsHosts, netnsUnavailable } from '../../../test/reliability/netns.js';
import { createEvent } from '../../core/envelope.js';
import { LocalCluster, type Node } from './cluster-helpers.js';
import { connect } from '@nats-io/transport-node';
import { openNatsLog, type NatsLog } from './index.js';

const SECONDS = Number(process.env.HERALD_R11_SECONDS ?? 40);
const RATE = Number(process.env.HERALD_R11_RATE ?? 2_000);
const PRODUCERS = 4;
const BATCH = 20;
const STOP_MS = 10_000;
const PARTITION = process.env.HERALD_R11_PARTITION === undefined ? SECONDS >= 120 : process.env.HERALD_R11_PARTITION === '1';
const PARTITION_MS = Math.max(10_000, (SECONDS * 1_000) / 20);
const hasServer = ((): boolean => {
  try { execFileSync('nats-server', ['--version'], { stdio: 'ignore' }); return true; } catch { return false; }
})();
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('nats: 3-node JetStream cluster (R11)', () => {
  it(`${RATE} ev/s for ${SECONDS} s; the stream leader kill -9'd twice, a follower SIGSTOPped ${STOP_MS / 1000} s: 0 acked loss, 0 duplicates`, { timeout: (SECONDS + 120) * 1_000 }, async (t) => {
    if (!hasServer) {
      if (process.env.CI === 'true') throw new Error('CI=true and nats-server is not on PATH');
      t.skip('nats-server is not on PATH');
      return;
    }
    const noNetns = PARTITION ? netnsUnavailable() : undefined;
    if (noNetns && process.env.CI === 'true') throw new Error(`CI=true and ${noNetns}`);
    if (noNetns) t.diagnostic(`R11: no partition: ${noNetns}`);
    const hosts = PARTITION && !noNetns ? new NetnsHosts(3) : undefined;
    const cluster = new LocalCluster(3, hosts && {
      clientHost: (i) => hosts.hosts[i]!.clientIp, peerHost: (i) => hosts.hosts[i]!.peerIp, command: (i, c, a) => hosts.command(i, c, a),
    });
    let log: NatsLog | undefined;
    try {
      cluster.startAll();
      await cluster.ready();
      log = await openNatsLog({ servers: cluster.urls, prefix: 'hc', replicas: 3, requestTimeoutMs: 2_000, ackWaitMs: 2_000 });
      const history = new History();
      const ackTimes: number[] = [];
      let producing = true;
      let appendErrors = 0;
      let fetchErrors = 0;
      const produce = async (p: number): Promise<void> => {
        const started = Date.now();
        for (let n = 0; producing; n += BATCH) {
          const batch = Array.from({ length: BATCH }, (_, i) => createEvent({ id: `p${p}-${n + i}`, type: 'order.tick', key: `k${p}-${i % 5}`, data: { n: n + i } }));
          batch.forEach((e) => history.invoke(`p${p}`, 'orders', e.partitionkey as string, e.id));
          for (;;) { // the same batch again after a failure: known ids are not written twice
            try {
              const receipts = await log!.append('orders', batch);
              receipts.forEach((r) => history.ok(r.id, r.position));
              ackTimes.push(Date.now());
              break;
            } catch {
              appendErrors++;
              await sleep(100);
            }
          }
          const due = started + ((n + BATCH) * PRODUCERS * 1_000) / RATE;
          if (due > Date.now()) await sleep(due - Date.now());
        }
      };
      let caughtUp = false;
      let published = false; // every producer has returned (not merely been told to stop)
      const consume = async (deadline: () => number): Promise<void> => {
        while (!caughtUp && Date.now() < deadline()) {
          try {
            const batch = await log!.fetch('orders', 'billing', { max: 100, leaseMs: 10_000 });
            // keyOrder is false on NATS: each delivery gets its own key, so only loss and skips are checked.
            batch.forEach((d) => history.deliver('orders', 'billing', { position: d.position, id: d.event.id, key: d.event.id }));
            if (batch.length > 0) await log!.settle('orders', 'billing', batch.map((d) => ({ kind: 'ack' as const, position: d.position, leaseId: d.leaseId })));
            else if (published) caughtUp = (await log!.groups('orders')).every((g) => g.lag === 0);
            else await sleep(20);
          } catch {
            fetchErrors++;
            await sleep(100);
          }
        }
      };
      // The stream exists (and has a leader) before the clock starts.
      await log.append('orders', [createEvent({ id: 'first', type: 'order.tick', data: {} })]);
      const start = Date.now();
      const producers = Array.from({ length: PRODUCERS }, (_, p) => produce(p));
      let drainBy = Infinity;
      const consumer = consume(() => drainBy);
      const at = (fraction: number): Promise<void> => sleep(start + fraction * SECONDS * 1_000 - Date.now());
      const faults: { what: string; at: number }[] = [];

      await at(1 / 8);
      const first = await streamLeader(cluster);
      cluster.kill(first);
      faults.push({ what: `kill -9 leader ${first.name}`, at: Date.now() });
      await at(1 / 4);
      cluster.start(first);
      await at(5 / 12);
      const leader = await streamLeader(cluster);
      // The harsher follower: the one the client is connected to, when it is on a follower.
      const followers = cluster.nodes.filter((n) => n !== leader && n.process);
      const follower = followers.find((n) => n.name === connectedTo(log!)) ?? followers[0]!;
      follower.process!.kill('SIGSTOP');
      faults.push({ what: `SIGSTOP follower ${follower.name} (the client is on ${connectedTo(log)})`, at: Date.now() });
      await sleep(STOP_MS);
      follower.process!.kill('SIGCONT');
      if (hosts) {
        await at(9 / 16);
        const cut = await streamLeader(cluster);
        const i = cluster.nodes.indexOf(cut);
        hosts.isolate(i);
        faults.push({ what: `partition leader ${cut.name} from its peers for ${PARTITION_MS / 1000} s (the client is on ${connectedTo(log)})`, at: Date.now() });
        await sleep(PARTITION_MS);
        hosts.heal(i);
      }
      await at(3 / 4);
      const second = await streamLeader(cluster);
      cluster.kill(second);
      faults.push({ what: `kill -9 leader ${second.name}`, at: Date.now() });
      await at(7 / 8);
      cluster.start(second);
      await at(1);
      producing = false;
      await Promise.all(producers);
      published = true;
      const produced = Date.now();
      drainBy = Date.now() + 60_000;
      await consumer;

      const stored = [];
      for await (const e of log.read('orders')) stored.push({ position: e.position, id: e.event.id, key: e.event.partitionkey as string });
      history.read('orders', stored.filter((e) => e.id !== 'first'));
      const result = check(history.ops, { contiguous: true });
      // Each fault's window ends at the next fault (or 20 s later), so no pause is counted twice.
      const resume = faults.map((f, i) => `${f.what}: ${longestPause(ackTimes, f.at, Math.min(f.at + 20_000, faults[i + 1]?.at ?? Infinity))} ms`);
      const achieved = Math.round((result.counts.acked * 1_000) / (produced - start));
      t.diagnostic(`R11: ${result.counts.acked} acked in ${produced - start} ms (${achieved} ev/s), ${stored.length - 1} stored; ` +
        `${appendErrors} append and ${fetchErrors} fetch errors retried; longest pause between acks after each fault: ${resume.join('; ')}`);
      t.diagnostic(describeResult(result));
      assert.ok(caughtUp, 'the consumer group caught up (lag 0) within 60 s of the last publish');
      assert.ok(result.counts.acked > RATE * SECONDS * 0.25, `publishing went on (${result.counts.acked} acknowledged)`);
      assert.equal(stored.length - 1, result.counts.acked, 'the stream holds each acked event once, nothing else');
      assert.deepEqual(result.anomalies, [], describeResult(result));
    } finally {
      cluster.nodes.forEach((n) => n.process?.kill('SIGCONT'));
      await log?.close().catch(() => undefined);
      cluster.stopAll();
      hosts?.destroy();
    }
  });
});

describe('nats: reads on a 3-node cluster', () => {
  it('a read is served by the stream leader, whichever replica its consumer would have landed on', { timeout: 60_000 }, async (t) => {
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
      log = await openNatsLog({ servers: cluster.urls, prefix: 'hr', replicas: 3 });
      await log.append('audit', Array.from({ length: 5 }, (_, i) => createEvent({ type: 'audit.seen', data: { i } })));
      const nc = await connect({ servers: cluster.urls, timeout: 2000 });
      try {
        const where: string[] = [];
        for (let read = 0; read < 10; read++) {
          let seen = 0;
          for await (const _ of log.read('audit')) {
            if (seen++ > 0) continue;
            const list = (await nc.request('$JS.API.CONSUMER.LIST.hr_audit', '', { timeout: 2000 })).json<{ consumers: { cluster?: { leader?: string } }[] }>();
            where.push(list.consumers.map((c) => c.cluster?.leader ?? '?').join(','));
          }
          assert.equal(seen, 5);
        }
        const leader = (await streamLeader(cluster, 'hr_audit')).name;
        assert.deepEqual(where, Array.from({ length: 10 }, () => leader), 'each read had one consumer, on the leader');
      } finally {
        await nc.close();
      }
    } finally {
      await log?.close().catch(() => undefined);
      cluster.stopAll();
    }
  });
});

/** The server the log's connection is on (test-only peek at the driver's INFO), for the report. */
function connectedTo(log: NatsLog): string {
  return (log as unknown as { api?: { nc?: { info?: { server_name?: string } } } }).api?.nc?.info?.server_name ?? '?';
}

/** The longest time without an ack within [from, to] (ms), counting from `from`. */
function longestPause(ackTimes: readonly number[], from: number, to: number): number {
  let previous = from;
  let longest = 0;
  for (const time of ackTimes) {
    if (time <= from) continue;
    if (time > to) break;
    longest = Math.max(longest, time - previous);
    previous = time;
  }
  return longest;
}

/** The node leading the topic's stream (retried while a new leader is elected), or the first live node. */
async function streamLeader(cluster: LocalCluster, stream = 'hc_orders'): Promise<Node> {
  const live = cluster.nodes.filter((n) => n.process);
  for (let attempt = 0; attempt < 20; attempt++) {
    try {
      const nc = await connect({ servers: live.map((n) => cluster.url(n)), timeout: 2000 });
      try {
        const info = (await nc.request(`$JS.API.STREAM.INFO.${stream}`, '', { timeout: 2000 })).json<{ cluster?: { leader?: string } }>();
        const leader = live.find((n) => n.name === info.cluster?.leader);
        if (leader) return leader;
      } finally {
        await nc.close();
      }
    } catch { /* no leader yet */ }
    await sleep(500);
  }
  return live[0]!;
}
