import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, describe, it } from 'node:test';
import { bearer, call, ce, publish, testServer, type TestServer } from './test-helpers.js';

/** Sends raw bytes and resolves with the first response's status line and the time it took. */
function raw(url: string, request: string, keepOpen = true): Promise<{ status: number; ms: number; socket: Socket }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const socket = connect(Number(port), hostname, () => socket.write(request));
    socket.once('data', (chunk: Buffer) => {
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(chunk.toString())?.[1] ?? 0), ms: performance.now() - started, socket });
      if (!keepOpen) socket.destroy();
    });
    socket.once('error', reject);
  });
}

/** RELIABILITY S7 and the size limit of S3: body size, per-key rate, failed authentications, streams per key, slowloris. */
describe('request limits', () => {
  const servers: TestServer[] = [];
  const server = async (limits: Parameters<typeof testServer>[0]): Promise<TestServer> => {
    const t = await testServer(limits);
    servers.push(t);
    return t;
  };
  after(() => Promise.all(servers.map((t) => t.close())));

  it('a body over the limit gets 413 as soon as Content-Length says so, before any of it is sent', async () => {
    const t = await server({ limits: { bodyLimit: 4096 } });
    const key = await t.key();
    const head = (auth: string): string => `POST /v1/topics/orders/events HTTP/1.1\r\nHost: x\r\n${auth}Content-Type: application/cloudevents+json\r\nContent-Length: 104857600\r\n\r\n`;
    const answered = await raw(t.url, head(`Authorization: Bearer ${key}\r\n`));
    assert.equal(answered.status, 413, 'refused on the headers alone: the 100 MB body was never sent');
    answered.socket.destroy();
    const anonymous = await raw(t.url, head(''));
    assert.equal(anonymous.status, 401, 'without a key, refused before the size is even looked at');
    anonymous.socket.destroy();
    const chunked = await call(`${t.url}/v1/topics/orders/events`, {
      method: 'POST', headers: { ...bearer(key), 'content-type': 'application/cloudevents+json' },
      body: new ReadableStream({ start(c) { for (let i = 0; i < 10; i++) c.enqueue(new TextEncoder().encode('x'.repeat(1000))); c.close(); } }),
      duplex: 'half',
    });
    assert.equal(chunked.status, 413, 'a chunked body is cut off once it passes the limit');
    assert.equal((chunked.body as { error: { code: string } }).error.code, 'HERALD_E_TOO_LARGE');
    assert.equal((await publish(t.url, key, 'orders', [ce('small')])).status, 200, 'a body within the limit is fine');
  });

  it('a key over its rate gets 429 with Retry-After; other keys are not affected; it recovers', async () => {
    const t = await server({ limits: { rate: { perSecond: 5, burst: 5 } } });
    const [a, b] = [await t.key(), await t.key()];
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    // The bucket refills while requests run, so a slow machine may get a few more through before
    // the first 429: assert the burst, then that the limit bites, not an exact sequence.
    while (!statuses.includes(429) && statuses.length < 100) {
      const answer = await call(`${t.url}/v1/topics/orders/events`, { headers: bearer(a) });
      statuses.push(answer.status);
      if (answer.status === 429) {
        retryAfter = answer.headers.get('retry-after');
        assert.equal((answer.body as { error: { code: string; retryable: boolean } }).error.code, 'HERALD_E_RATE_LIMITED');
      }
    }
    assert.deepEqual(statuses.slice(0, 5), [200, 200, 200, 200, 200], 'the burst passes');
    assert.equal(statuses.at(-1), 429, `the limit bites: ${statuses.join(',')}`);
    assert.equal(retryAfter, '1');
    assert.equal((await call(`${t.url}/v1/topics/orders/events`, { headers: bearer(b) })).status, 200, 'another key has its own budget');
    await new Promise((r) => setTimeout(r, 1_000));
    assert.equal((await call(`${t.url}/v1/topics/orders/events`, { headers: bearer(a) })).status, 200, 'after Retry-After');
  });

  it('failed authentications from one address are rate limited too', async () => {
    const t = await server({ limits: { authFailures: { perSecond: 1, burst: 3 } } });
    const statuses: number[] = [];
    while (!statuses.includes(429) && statuses.length < 50) statuses.push((await call(`${t.url}/v1/topics/orders/events`, { headers: { authorization: 'Bearer hk_guess' } })).status);
    assert.deepEqual(statuses.slice(0, 3), [401, 401, 401], 'the burst of failures is answered 401');
    assert.equal(statuses.at(-1), 429, `then the address is limited: ${statuses.join(',')}`);
  });

  it('a key may hold only so many open streams', async () => {
    const t = await server({ limits: { streamsPerKey: 2 } });
    const key = await t.key();
    const open = [];
    for (let i = 0; i < 2; i++) {
      const abort = new AbortController();
      const response = await fetch(`${t.url}/v1/topics/orders/events/stream`, { headers: bearer(key), signal: abort.signal });
      assert.equal(response.status, 200);
      open.push(abort);
    }
    const third = await call(`${t.url}/v1/topics/orders/events/stream`, { headers: bearer(key) });
    assert.equal(third.status, 429);
    assert.ok(third.headers.get('retry-after'));
    const other = new AbortController();
    const response = await fetch(`${t.url}/v1/topics/orders/events/stream`, { headers: bearer(await t.key()), signal: other.signal });
    assert.equal(response.status, 200, 'another key may open one');
    other.abort();
    for (const abort of open) abort.abort();
  });

  it('slowloris: 200 connections dribbling a request do not starve /healthz', async () => {
    const t = await server({});
    const sockets: Socket[] = [];
    const { port } = new URL(t.url);
    for (let i = 0; i < 200; i++) {
      const socket = connect(Number(port), '127.0.0.1', () => socket.write('POST /v1/topics/orders/events HTTP/1.1\r\nHost: x\r\nX-Slow: '));
      socket.on('error', () => undefined);
      sockets.push(socket);
    }
    const drip = setInterval(() => { for (const s of sockets) s.write('a'); }, 50);
    const times: number[] = [];
    for (let i = 0; i < 100; i++) {
      const started = performance.now();
      assert.equal((await call(`${t.url}/healthz`)).status, 200);
      times.push(performance.now() - started);
    }
    clearInterval(drip);
    for (const s of sockets) s.destroy();
    // A liveness bound, not a performance claim: a starved event loop would leave requests
    // waiting until the dribblers time out (tens of seconds); a loaded CI machine takes milliseconds.
    assert.ok(Math.max(...times) < 5_000, `a /healthz request waited ${Math.max(...times).toFixed(0)} ms`);
  });
});
