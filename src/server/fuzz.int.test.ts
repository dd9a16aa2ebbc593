import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { bearer, call, testServer, type TestServer } from './test-helpers.js';

const REQUESTS = 1_500;

/**
 * RELIABILITY S3 over real HTTP: random requests on every route of the table — odd path
 * parameters, content types, ce-* headers and bodies (mostly CloudEvents-shaped, then mutated).
 * The server never answers 5xx and never leaves a promise rejection unhandled.
 */
describe('HTTP fuzzing of every route', () => {
  let t: TestServer;
  let key: string;
  const rejections: unknown[] = [];
  const onRejection = (reason: unknown): void => { rejections.push(reason); };
  before(async () => {
    process.on('unhandledRejection', onRejection);
    t = await testServer({ limits: { rate: false, bodyLimit: 64 * 1024 } });
    key = await t.key();
  });
  after(async () => {
    process.off('unhandledRejection', onRejection);
    await t.close();
  });

  it(`${REQUESTS} random requests: no 5xx, no unhandled rejection`, async () => {
    const routes = t.server.routes.filter((r) => !r.ws && r.id !== 'streamEvents');
    const param = fc.oneof(fc.constantFrom('orders', 'a.b.c', 'x.dlq.g', '1', '0', '-1', '99999999999999999999', '__proto__', 'constructor', '%2F', '..', '>', '*', 'é'), fc.string({ maxLength: 30 }));
    const event = fc.record({ specversion: fc.constantFrom('1.0', '0.3', 1), id: fc.string({ maxLength: 8 }), source: fc.string({ maxLength: 8 }), type: fc.string({ maxLength: 8 }), data: fc.jsonValue({ maxDepth: 3 }) }, { requiredKeys: [] });
    const body = fc.oneof(
      event.map((e) => JSON.stringify(e)), fc.array(event, { maxLength: 5 }).map((a) => JSON.stringify(a)), fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
      fc.constantFrom('{"max": 5, "leaseMs": 1000}', '{"settlements": [{"kind": "ack", "position": 1, "leaseId": 1}]}', '{"to": "earliest"}', '{"__proto__": {"x": 1}}', '[', '', 'null'),
      fc.string({ maxLength: 200 }),
    );
    const contentType = fc.constantFrom(undefined, 'application/json', 'application/cloudevents+json', 'application/cloudevents-batch+json', 'text/plain', 'application/octet-stream', 'multipart/form-data; boundary=x', ';;;', 'application/json; charset=latin1');
    const ceHeaders = fc.dictionary(fc.constantFrom('ce-specversion', 'ce-id', 'ce-source', 'ce-type', 'ce-time', 'ce-x', 'ce-partitionkey'), fc.string({ maxLength: 20 }).map((s) => s.replace(/[^\x20-\x7e]/g, '')), { maxKeys: 5 });
    const query = fc.constantFrom('', '?from=earliest', '?from=0', '?limit=0', '?limit=1000000', '?time=yesterday', '?from=1&time=1', '?type=a&type=b', '?limit=abc&from=__proto__');
    const request = fc.record({ route: fc.constantFrom(...routes), params: fc.array(param, { minLength: 4, maxLength: 4 }), body, contentType, ceHeaders, query });
    const statuses = new Map<number, number>();
    const samples = fc.sample(request, { numRuns: REQUESTS, seed: Number(process.env.HERALD_SEED ?? 42) });
    for (const r of samples) {
      let i = 0;
      const path = r.route.url.replace(/:[A-Za-z]+/g, () => encodeURIComponent(r.params[i++]!)) + r.query;
      const headers: Record<string, string> = { ...bearer(key), ...(r.route.method === 'GET' ? {} : r.ceHeaders), ...(r.contentType && r.route.method !== 'GET' ? { 'content-type': r.contentType } : {}) };
      const response = await fetch(t.url + path, { method: r.route.method, headers, ...(r.route.method === 'GET' ? {} : { body: r.body }) });
      const text = await response.text();
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      assert.ok(response.status < 500, `${r.route.method} ${path} (${r.contentType}) → ${response.status}: ${text} (replay with HERALD_SEED)`);
    }
    assert.deepEqual(rejections, []);
    assert.ok((statuses.get(400) ?? 0) > 0 && [...statuses.keys()].some((s) => s < 300), `a mix of answers: ${JSON.stringify([...statuses])}`);
  });
});

/**
 * S3's body rules: a body over the limit is refused on its Content-Length before any of it is
 * read, in each CloudEvents mode; a compressed body is refused with 415 and never inflated (a
 * zip bomb costs the server its compressed size, not its expanded one).
 */
describe('HTTP bodies the server must neither buffer nor inflate', () => {
  let t: TestServer;
  let key: string;
  const LIMIT = 256 * 1024;
  before(async () => {
    t = await testServer({ limits: { rate: false, bodyLimit: LIMIT } });
    key = await t.key();
  });
  after(() => t.close());

  const modes: [string, Record<string, string>][] = [
    ['structured', { 'content-type': 'application/cloudevents+json' }],
    ['batch', { 'content-type': 'application/cloudevents-batch+json' }],
    ['binary', { 'content-type': 'application/octet-stream', 'ce-specversion': '1.0', 'ce-id': 'big', 'ce-source': 's', 'ce-type': 't' }],
  ];

  it('a 1 GiB Content-Length gets 413 in every mode, with only the headers sent', async () => {
    const { hostname, port } = new URL(t.url);
    for (const [mode, headers] of modes) {
      const head = [`POST /v1/topics/orders/events HTTP/1.1`, 'Host: x', `Authorization: Bearer ${key}`, 'Content-Length: 1073741824',
        ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)].join('\r\n') + '\r\n\r\n';
      const status = await new Promise<number>((resolve, reject) => {
        const socket = connect(Number(port), hostname, () => socket.write(head));
        socket.once('data', (chunk: Buffer) => { resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(chunk.toString())?.[1] ?? 0)); socket.destroy(); });
        socket.once('error', reject);
      });
      assert.equal(status, 413, `${mode}: refused on the headers (${head.length} bytes sent of 1 GiB announced)`);
    }
  });

  it('gzip, deflate and br bodies get 415 and nothing is appended; a zip bomb is never inflated', async () => {
    const event = JSON.stringify({ specversion: '1.0', id: 'gz-1', source: 's', type: 't', data: { a: 1 } });
    const bomb = gzipSync(Buffer.alloc(200 * 1024 * 1024), { level: 9 });
    assert.ok(bomb.length < LIMIT, `the bomb (${bomb.length} bytes) fits the body limit, so only the coding can stop it`);
    const rssBefore = process.memoryUsage().rss;
    const answers: string[] = [];
    for (const [mode, headers] of modes) {
      for (const [coding, body] of [['gzip', gzipSync(mode === 'batch' ? `[${event}]` : event)], ['deflate', deflateSync(event)], ['br', brotliCompressSync(event)], ['gzip, identity', gzipSync(event)], ['gzip', bomb]] as const) {
        const started = performance.now();
        const answer = await call(`${t.url}/v1/topics/orders/events`, { method: 'POST', headers: { ...bearer(key), ...headers, 'content-encoding': coding }, body });
        assert.equal(answer.status, 415, `${mode} ${coding} (${body.length} bytes): ${answer.text}`);
        assert.match(answer.text, /Content-Encoding/);
        answers.push(`${mode}/${coding}${body === bomb ? ' bomb' : ''} ${(performance.now() - started).toFixed(1)} ms`);
      }
    }
    assert.equal((await t.log.topicInfo('orders'))?.count ?? 0, 0, 'nothing was appended');
    const identity = await call(`${t.url}/v1/topics/orders/events`, { method: 'POST', headers: { ...bearer(key), ...modes[0]![1], 'content-encoding': 'identity' }, body: event });
    assert.equal(identity.status, 200, 'identity is no coding at all');
    console.log(`S3 compressed bodies: ${answers.join('; ')}; rss ${((process.memoryUsage().rss - rssBefore) / 1e6).toFixed(1)} MB after 3 bombs of 200 MB expanded (${bomb.length} bytes each)`);
  });
});
