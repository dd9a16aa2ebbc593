/**
 * Every peer adapter against its real server, with a tiny workload (200 events): publish, consume
 * through a group, replay, and a short latency run. A server that is down fails the test when
 * CI=true, and skips it otherwise with the command that starts it.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it, type TestContext } from 'node:test';
import { drive } from './drive.js';
import { HERALD_ON, HeraldOnPeer } from './peers/herald-on.js';
import { makePeer } from './peers/index.js';
import { Unavailable, type Peer } from './peers/types.js';
import { consumeThroughput, fill } from './workloads/consume.js';
import { latencyAtRate } from './workloads/latency.js';
import { publishThroughput } from './workloads/publish.js';
import { replayThroughput } from './workloads/replay.js';

const EVENTS = 200;
const dataDir = mkdtempSync(join(tmpdir(), 'herald-bench-int-'));
const tag = `t${process.pid}`;
after(() => rmSync(dataDir, { recursive: true, force: true }));

/** Opens the peer, or says why not: fails under CI, skips (naming the start command) elsewhere. */
async function openOrSkip(t: TestContext, peer: Peer): Promise<boolean> {
  try {
    await peer.open();
    return true;
  } catch (error) {
    if (!(error instanceof Unavailable)) throw error;
    if (process.env.CI === 'true') throw new Error(`CI=true and ${error.message}`);
    t.skip(error.message);
    return false;
  }
}

/** A bench peer by id; `herald-<backend>` is herald's API on that backend (`npm run bench:backends`). */
const peerOf = (id: string): Peer => (HERALD_ON.includes(id) ? new HeraldOnPeer(id.slice('herald-'.length)) : makePeer(id, { dataDir, durableRedis: false }));

// Redis is used as the server runs: the int test never changes its persistence settings.
for (const id of ['herald', 'nats', 'redis', 'rabbitmq', 'postgres', ...HERALD_ON]) {
  describe(`bench peer ${id}`, { timeout: 60_000 }, () => {
    it('publishes, consumes through a group, replays and measures latency on a tiny workload', async (t) => {
      const peer = peerOf(id);
      if (!(await openOrSkip(t, peer))) return;
      try {
        assert.ok(peer.version().length > 0);
        const published = await publishThroughput(peer, `${tag}_pub`, { events: EVENTS, producers: 2, window: 50, maxMs: 20_000 });
        assert.equal(published.events, EVENTS);
        assert.ok(published.value > 0);

        const consumed = await consumeThroughput(peer, `${tag}_con`, { events: EVENTS, inFlight: 50, maxMs: 20_000 });
        assert.equal(consumed.events, EVENTS);
        assert.equal(consumed.extra?.backlog, EVENTS);

        const [replayed] = await replayThroughput(peer, `${tag}_rep`, { events: EVENTS, repetitions: 1, fillMaxMs: 20_000, maxMs: 20_000 });
        assert.equal(replayed?.events, EVENTS);

        const latency = await latencyAtRate(peer, `${tag}_lat`, { rate: 1000, durationMs: 200, warmupMs: 50, drainMs: 5000, window: 100 });
        assert.equal(latency.extra?.lost, 0);
        assert.equal(latency.events, 200);
        assert.ok(Number(latency.extra?.p50) > 0 && Number(latency.extra?.p50) <= Number(latency.extra?.p999));
      } finally {
        await peer.close();
      }
    });

    it('delivers every event exactly to the group and acks it (nothing comes back to a second consumer)', async (t) => {
      const peer = peerOf(id);
      if (!(await openOrSkip(t, peer))) return;
      const channel = await peer.channel(`${tag}_acks`, 'queue');
      try {
        assert.equal(await fill(channel, EVENTS, 20_000), EVENTS);
        const seen = new Set<number>();
        let done: () => void = () => {};
        const all = new Promise<void>((resolve) => { done = resolve; });
        const first = await channel.consume({ group: 'g1', inFlight: 32, onEvent: (p) => { seen.add(p.seq); if (seen.size === EVENTS) done(); } });
        await all;
        await first.stop();
        assert.deepEqual([...seen].sort((a, b) => a - b), Array.from({ length: EVENTS }, (_, i) => i));
        let again = 0;
        const second = await channel.consume({ group: 'g1', inFlight: 32, onEvent: () => { again++; } });
        await new Promise((r) => setTimeout(r, 300));
        await second.stop();
        assert.equal(again, 0, 'acked events were delivered again');
        const producer = await channel.producer();
        assert.equal(await drive(producer, { count: 1, window: 1, deadline: Infinity }), 1);
        await producer.close();
      } finally {
        await channel.close();
        await peer.close();
      }
    });
  });
}
