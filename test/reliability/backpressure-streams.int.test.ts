import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ce, publish } from '../../src/server/test-helpers.js';
import { describeMemory, fullGc, judgeMemory, MB, rssOf, type Sample } from './backpressure-memory.js';
import { activeResources, startProbe, type Probe } from './backpressure-server.js';
import { closeWebSocket, openSse, openWebSocket, until } from './backpressure-wire.js';

// R13 for the server's live streams. Sizes scale for the soak: HERALD_R13_CYCLES (connect /
// subscribe / disconnect cycles per protocol) and HERALD_R13_FLOOD_MB (published at a client
// that never reads; the kernel alone buffers ~4 MB on loopback before the server's queue grows).
const CYCLES = Number(process.env.HERALD_R13_CYCLES ?? 1_000);
const FLOOD_MB = Number(process.env.HERALD_R13_FLOOD_MB ?? 24);
const SEND_TIMEOUT_MS = 1_000;

/** Publishes events of `bytes` to `topic`, `perRequest` a request, until `stop()` or FLOOD_MB were sent; returns the MB sent. */
async function flood(p: Probe, topic: string, bytes: number, perRequest: number, stop: () => boolean): Promise<number> {
  const payload = 'x'.repeat(bytes);
  let sent = 0;
  for (let i = 0; sent < FLOOD_MB * MB && !stop(); i++) {
    const answer = await publish(p.url, p.key, topic, Array.from({ length: perRequest }, (_, j) => ce(`f-${i}-${j}`, { data: { payload } })));
    assert.equal(answer.status, 200, answer.text.slice(0, 500));
    sent += perRequest * bytes;
  }
  return sent / MB;
}

/** The largest buffered amounts seen while `work` runs (sampled every 5 ms). */
async function watchBuffers<T>(p: Probe, work: () => Promise<T>): Promise<{ result: T; ws: number; tcp: number }> {
  let ws = 0;
  let tcp = 0;
  const timer = setInterval(() => {
    const now = p.buffered();
    ws = Math.max(ws, now.ws);
    tcp = Math.max(tcp, now.tcp);
  }, 5);
  try {
    return { result: await work(), ws, tcp };
  } finally {
    clearInterval(timer);
  }
}

describe('R13: backpressure on live streams', () => {
  let p: Probe;
  before(async () => { p = await startProbe({ sendTimeoutMs: SEND_TIMEOUT_MS }); });
  after(() => p.close());

  it(`${CYCLES} WebSocket and ${CYCLES} SSE connect/subscribe/disconnect cycles: listeners, streams, sockets and handles constant, RSS flat`, { timeout: 10 * 60_000 }, async (t) => {
    await publish(p.url, p.key, 'cycle', [ce('c1'), ce('c2'), ce('c3')]);
    const cycle = async (n: number): Promise<void> => {
      const ws = await openWebSocket(p.url, '/v1/topics/cycle/ws?from=earliest', p.key);
      await until(() => ws.messages >= 3, `WS cycle ${n}: the three events`);
      // Half leave politely (close frame, wait for the server's), half just drop the connection.
      if (n % 2 === 0) {
        closeWebSocket(ws);
        await until(() => ws.closeCode !== undefined, `WS cycle ${n}: the server's close frame`);
      }
      ws.socket.destroy();
      const sse = await openSse(p.url, '/v1/topics/cycle/events/stream?from=earliest', p.key);
      await until(() => sse.messages >= 3, `SSE cycle ${n}: the three events`);
      sse.socket.destroy();
      await until(() => p.streams() === 0, `cycle ${n}: the streams released`);
    };
    const settle = (): Promise<void> => until(() => p.streams() === 0, 'every stream closed');
    for (let n = 0; n < 100; n++) await cycle(n); // warm-up: JIT, pools, caches (the heap grows ~1 MB over the first few hundred streams, then stays)
    await settle();
    fullGc();
    const before = { listeners: p.listeners(), sockets: p.sockets(), onClosing: p.onClosing(), resources: activeResources(), rss: rssOf(process.pid), heap: process.memoryUsage().heapUsed };
    const samples: Sample[] = [];
    const started = Date.now();
    for (let n = 0; n < CYCLES; n++) {
      await cycle(n);
      if ((n + 1) % 25 === 0) {
        fullGc();
        samples.push({ atMs: Date.now() - started, rssBytes: rssOf(process.pid) });
      }
    }
    await settle();
    fullGc();
    const verdict = judgeMemory(before.rss, samples);
    const afterwards = { listeners: p.listeners(), sockets: p.sockets(), onClosing: p.onClosing(), resources: activeResources(), heap: process.memoryUsage().heapUsed };
    t.diagnostic(`cycles: ${CYCLES} × (WS + SSE) in ${Date.now() - started} ms; listeners ${before.listeners} → ${afterwards.listeners}; server sockets ${before.sockets} → ${afterwards.sockets}; `
      + `on the shutdown signal ${JSON.stringify(before.onClosing)} → ${JSON.stringify(afterwards.onClosing)}; `
      + `heap ${(before.heap / MB).toFixed(1)} → ${(afterwards.heap / MB).toFixed(1)} MB; resources ${JSON.stringify(before.resources)} → ${JSON.stringify(afterwards.resources)}`);
    t.diagnostic(`cycles memory: ${describeMemory(verdict)}; RSS (MB): ${samples.map((s) => (s.rssBytes / MB).toFixed(0)).join(' ')}`);
    assert.equal(afterwards.listeners, before.listeners, 'append listeners constant');
    assert.deepEqual(afterwards.onClosing, before.onClosing, 'nothing left hanging on the server\'s shutdown signal');
    assert.ok(afterwards.sockets <= before.sockets + 2, `server sockets: ${before.sockets} before, ${afterwards.sockets} after`);
    for (const [kind, n] of Object.entries(afterwards.resources)) {
      assert.ok(n <= (before.resources[kind] ?? 0) + 2, `${kind}: ${before.resources[kind] ?? 0} before, ${n} after`);
    }
    // Caches move the heap by ±0.5 MB; a leak of 1 KB a stream would add 2 MB here.
    assert.ok(afterwards.heap - before.heap < 2 * MB, `JS heap after a full GC: ${before.heap} → ${afterwards.heap} bytes`);
    assert.deepEqual(verdict.problems, [], describeMemory(verdict));
  });

  // 60 KB events make many small frames; 900 KB events are near the largest frame (the 1 MiB body limit).
  for (const [bytes, perRequest] of [[60_000, 10], [900_000, 1]] as const) {
    it(`a WebSocket client that never reads (${bytes / 1000} KB events): at most 1 MiB buffered, then a 1013 close, its subscription released`, async (t) => {
      const topic = `ws-flood-${bytes}`;
      await publish(p.url, p.key, topic, [ce('first')]); // a stream listens for appends to topics that exist
      const listeners = p.listeners();
      // A reads again once the server gave up (to see the close code); B never reads again.
      const a = await openWebSocket(p.url, `/v1/topics/${topic}/ws?from=latest`, p.key);
      const b = await openWebSocket(p.url, `/v1/topics/${topic}/ws?from=latest`, p.key);
      t.after(() => { a.socket.destroy(); b.socket.destroy(); });
      await until(() => p.streams() === 2 && p.listeners() > listeners, 'both subscriptions');
      a.socket.pause();
      b.socket.pause();
      const closes = (): number[] => p.logs.filter((l) => l.includes('websocket client too slow') && l.includes(topic)).map((l) => (JSON.parse(l) as { buffered: number }).buffered);
      const started = Date.now();
      const seen = await watchBuffers(p, async () => {
        const mb = await flood(p, topic, bytes, perRequest, () => closes().length >= 2);
        await until(() => closes().length >= 2, 'the server to give up on both clients', 5 * SEND_TIMEOUT_MS);
        return mb;
      });
      a.socket.resume();
      await until(() => a.closeCode !== undefined, 'the close frame');
      a.socket.destroy();
      t.diagnostic(`WS never-reading, ${bytes / 1000} KB events: ${seen.result.toFixed(1)} MB published in ${Date.now() - started} ms; server gave up with ${closes().join(' and ')} bytes buffered; `
        + `largest bufferedAmount seen ${seen.ws} bytes; close code ${a.closeCode}; A got ${a.messages} frames (${(a.received / MB).toFixed(1)} MB)`);
      assert.ok(a.closeCode === 1013 || a.closeCode === 1008, `closed with ${a.closeCode}`);
      assert.ok(seen.ws <= MB, `at most 1 MiB waited for a client, saw ${seen.ws}`);
      assert.ok(closes().every((n) => n <= MB), `buffered at close: ${closes().join(', ')}`);
      // B never answers the close: the server drops it 5 s later, and both slots and listeners are released.
      await until(() => p.streams() === 0 && p.listeners() === listeners, 'both subscriptions released', 10_000);
      b.socket.resume();
      await b.ended;
    });

    it(`an SSE client that never reads (${bytes / 1000} KB events): at most 1 MiB buffered, then the stream is dropped and released`, async (t) => {
      const topic = `sse-flood-${bytes}`;
      await publish(p.url, p.key, topic, [ce('first')]);
      const listeners = p.listeners();
      const s = await openSse(p.url, `/v1/topics/${topic}/events/stream?from=latest`, p.key);
      t.after(() => s.socket.destroy());
      await until(() => p.streams() === 1 && p.listeners() > listeners, 'the subscription');
      s.socket.pause();
      const started = Date.now();
      const seen = await watchBuffers(p, async () => {
        const mb = await flood(p, topic, bytes, perRequest, () => p.streams() === 0);
        await until(() => p.streams() === 0, 'the server to drop the stream', 5 * SEND_TIMEOUT_MS);
        return mb;
      });
      const dropped = Date.now() - started;
      s.socket.resume();
      await s.ended;
      t.diagnostic(`SSE never-reading, ${bytes / 1000} KB events: ${seen.result.toFixed(1)} MB published, stream dropped after ${dropped} ms; largest socket writableLength seen ${seen.tcp} bytes; `
        + `the client got ${s.messages} events (${(s.received / MB).toFixed(1)} MB) before the end`);
      assert.ok(seen.tcp <= MB, `at most 1 MiB waited for the client, saw ${seen.tcp}`);
      assert.equal(p.listeners(), listeners, 'its append listener removed');
    });
  }
});
