import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { StreamPage } from '../../client/wire.js';
import { MemoryLog } from '../../log/memory/index.js';
import { hasStreams, type StreamAppendResult } from '../../log/streams.js';
import { tenantStreamTopic } from '../../security/tenant-streams.js';
import { startServer } from '../server.js';
import { bearer, call, ce, testServer, type Answer, type TestServer } from '../test-helpers.js';

type ErrorAnswer = { error: { code: string; details: Record<string, unknown> } };
const BATCH = { 'content-type': 'application/cloudevents-batch+json' };

/** The event store over HTTP: expected revisions, paging both ways, permissions, tenants. */
describe('stream routes', () => {
  let t: TestServer;
  let acme: string;
  const append = (stream: string, events: Record<string, unknown>[], key = acme, headers: Record<string, string> = {}, query = ''): Promise<Answer<StreamAppendResult & ErrorAnswer>> =>
    call(`${t.url}/v1/streams/${encodeURIComponent(stream)}/events${query}`, { method: 'POST', headers: { ...bearer(key), ...BATCH, ...headers }, body: JSON.stringify(events) });
  const get = <T>(path: string, key = acme): Promise<Answer<T>> => call<T>(`${t.url}${path}`, { headers: bearer(key) });
  const revisions = (page: StreamPage): number[] => page.events.map((e) => e.revision);
  const events = (prefix: string, count: number): Record<string, unknown>[] => Array.from({ length: count }, (_, i) => ce(`${prefix}-${i + 1}`));

  before(async () => {
    t = await testServer({ backend: 'sqlite' });
    acme = await t.key(['*:>']);
  });
  after(() => t.close());

  it('a wrong expected revision is 409 HERALD_E_WRONG_REVISION with actualRevision; the header or the query may carry it', async () => {
    assert.equal((await append('order-1', events('a', 2), acme, { 'herald-expected-revision': 'no_stream' })).body.revision, 2);
    const conflict = await append('order-1', events('b', 1), acme, { 'herald-expected-revision': '1' });
    assert.equal(conflict.status, 409, conflict.text);
    assert.deepEqual(conflict.body.error, { ...conflict.body.error, code: 'HERALD_E_WRONG_REVISION', details: { stream: 'order-1', expectedRevision: 1, actualRevision: 2 } });
    const byQuery = await append('order-1', events('c', 1), acme, {}, '?expectedRevision=stream_exists');
    assert.deepEqual([byQuery.status, byQuery.body.revision, byQuery.body.receipts[0]?.topic], [200, 3, 'order']);
    assert.equal((await append('order-1', events('d', 1), acme, {}, '?expectedRevision=no_stream')).body.error.details.actualRevision, 3);
    const both = await append('order-1', events('e', 1), acme, { 'herald-expected-revision': '3' }, '?expectedRevision=2');
    assert.deepEqual([both.status, both.body.error.details.field], [400, 'expectedRevision']);
    assert.equal((await append('order-1', events('f', 1), acme, {}, '?expectedRevision=latest')).body.error.details.field, 'expectedRevision');
    assert.equal((await get<{ revision: number }>('/v1/streams/order-1')).body.revision, 3, 'nothing refused was written');
  });

  it('binary mode appends one event; a tombstoned stream answers 410; deletes and metadata expect revisions too', async () => {
    const binary = await call<StreamAppendResult>(`${t.url}/v1/streams/cart-1/events`, {
      method: 'POST', body: '{"sku":"x"}',
      headers: { ...bearer(acme), 'ce-specversion': '1.0', 'ce-id': 'cart-1-a', 'ce-source': 'urn:test', 'ce-type': 'cart.opened', 'content-type': 'application/json' },
    });
    assert.deepEqual([binary.status, binary.body.revision], [200, 1], binary.text);
    const [read] = (await get<StreamPage>('/v1/streams/cart-1/events')).body.events;
    assert.deepEqual([read?.event.data, read?.event.partitionkey], [{ sku: 'x' }, 'cart-1']);
    const metadata = (body: unknown, query = ''): Promise<Answer<ErrorAnswer>> => call(`${t.url}/v1/streams/cart-1/metadata${query}`, { method: 'PUT', headers: bearer(acme), json: body });
    assert.equal((await metadata({ maxCount: 1 }, '?expectedRevision=0')).body.error.code, 'HERALD_E_WRONG_REVISION');
    assert.equal((await metadata({ maxCount: 0 })).body.error.details.field, 'metadata.maxCount');
    assert.equal((await metadata({ maxCount: 1, custom: { team: 'a' } }, '?expectedRevision=1')).status, 200);
    assert.deepEqual((await get<{ metadata: unknown }>('/v1/streams/cart-1')).body.metadata, { maxCount: 1, custom: { team: 'a' } });
    const del = (query: string): Promise<Answer<ErrorAnswer>> => call(`${t.url}/v1/streams/cart-1${query}`, { method: 'DELETE', headers: bearer(acme) });
    assert.equal((await del('?tombstone=true&expectedRevision=5')).status, 409);
    assert.equal((await del('?tombstone=maybe')).body.error.details.field, 'tombstone');
    assert.equal((await del('?tombstone=true&expectedRevision=1')).status, 200);
    const refused = await append('cart-1', events('cart', 1));
    assert.deepEqual([refused.status, refused.body.error.code], [410, 'HERALD_E_STREAM_DELETED']);
    assert.equal((await get<{ deleted: string }>('/v1/streams/cart-1')).body.deleted, 'tombstone');
    assert.equal((await get('/v1/streams/never-1')).status, 404);
  });

  it('pages a stream and $all both ways, continuing from next until null', async () => {
    await append('page-1', events('p', 7));
    await append('other-1', events('o', 2));
    const walk = async (first: string): Promise<number[][]> => {
      const pages: number[][] = [];
      const url = new URL(first, t.url);
      for (;;) {
        const page = (await get<StreamPage>(`${url.pathname}${url.search}`)).body;
        pages.push(url.pathname.startsWith('/v1/all') ? page.events.map((e) => e.globalPosition) : revisions(page));
        if (page.next === null) return pages;
        url.searchParams.set('from', String(page.next));
      }
    };
    assert.deepEqual(await walk('/v1/streams/page-1/events?limit=3'), [[1, 2, 3], [4, 5, 6], [7]]);
    assert.deepEqual(await walk('/v1/streams/page-1/events?limit=3&direction=backwards'), [[7, 6, 5], [4, 3, 2], [1]]);
    assert.deepEqual(await walk('/v1/streams/page-1/events?limit=2&from=4'), [[4, 5], [6, 7], []]);
    assert.deepEqual(await walk('/v1/streams/page-1/events?limit=4&direction=backwards&from=4'), [[4, 3, 2, 1]]);
    const head = (await get<{ head: number }>('/v1/all')).body.head;
    const all = await walk('/v1/all/events?limit=4&direction=backwards');
    assert.deepEqual(all.flat(), Array.from({ length: head }, (_, i) => head - i));
    assert.deepEqual(await walk('/v1/all/events?category=page&limit=5'), [[head - 8, head - 7, head - 6, head - 5, head - 4], [head - 3, head - 2]]);
    assert.equal((await get<ErrorAnswer>('/v1/streams/page-1/events?from=-1')).body.error.details.field, 'from');
    assert.equal((await get<ErrorAnswer>('/v1/streams/page-1/events?direction=up')).body.error.details.field, 'direction');
    assert.equal((await get<ErrorAnswer>('/v1/all/events?limit=1001')).body.error.details.field, 'limit');
  });

  it('stream names with spaces, slashes and non-ASCII characters travel in the path', async () => {
    for (const stream of ['order-Invoice 7', 'order-a/b', 'order-ünï-✓']) {
      const r = await append(stream, [ce(`odd-${stream}`)]);
      assert.equal(r.body.stream, stream, r.text);
      assert.equal((await get<{ stream: string }>(`/v1/streams/${encodeURIComponent(stream)}`)).body.stream, stream);
    }
    const dollar = await get<ErrorAnswer>('/v1/streams/%24all/events');
    assert.deepEqual([dollar.status, dollar.body.error.details.field], [400, 'stream']);
  });

  it('permissions: publish, read and admin on the stream\'s category; $all needs read on every topic', async () => {
    const writer = await t.key(['publish:order']);
    const reader = await t.key(['read:order']);
    const admin = await t.key(['admin:order']);
    assert.equal((await append('order-9', [ce('perm-1')], writer)).status, 200);
    const elsewhere = await append('cart-9', [ce('perm-2')], writer);
    assert.deepEqual([elsewhere.status, elsewhere.body.error.details], [403, { action: 'publish', topic: 'cart' }]);
    assert.equal((await append('order-9', [ce('perm-3')], reader)).status, 403);
    assert.equal((await get('/v1/streams/order-9/events', writer)).status, 403);
    assert.equal((await get('/v1/streams/order-9/events', reader)).status, 200);
    assert.equal((await get('/v1/all/events', reader)).status, 403, 'a category grant does not read $all');
    assert.equal((await call(`${t.url}/v1/streams/order-9`, { method: 'DELETE', headers: bearer(reader) })).status, 403);
    assert.equal((await call(`${t.url}/v1/streams/order-9/metadata`, { method: 'PUT', headers: bearer(writer), json: {} })).status, 403);
    assert.equal((await call(`${t.url}/v1/streams/order-9`, { method: 'DELETE', headers: bearer(admin) })).status, 200);
  });

  it('tenants: the same stream names never meet; $all and categories hold only the caller\'s streams', async () => {
    const globex = await t.key(['*:>'], 'globex');
    await append('shared-1', [ce('acme-secret', { data: { who: 'acme' } })]);
    const mine = await append('shared-1', [ce('globex-own', { data: { who: 'globex' } })], globex);
    assert.deepEqual([mine.body.revision, mine.body.receipts[0]?.topic], [1, 'shared'], 'globex starts its own shared-1');
    const read = (await get<StreamPage>('/v1/streams/shared-1/events', globex)).body;
    assert.deepEqual(read.events.map((e) => [e.stream, e.topic, e.event.data]), [['shared-1', 'shared', { who: 'globex' }]]);
    const all = (await get<StreamPage>('/v1/all/events?limit=1000', globex)).body.events;
    assert.deepEqual(all.map((e) => e.stream), ['shared-1'], 'globex\'s $all holds its one stream');
    assert.ok(!JSON.stringify(await get('/v1/all/events?category=shared', globex)).includes('acme'));
    assert.equal((await get('/v1/streams/order-1', globex)).status, 404, 'acme\'s order-1 does not exist for globex');
    const topic = (await get<{ events: { event: { data: unknown } }[] }>('/v1/topics/shared/events', globex)).body.events;
    assert.deepEqual(topic.map((e) => e.event.data), [{ who: 'globex' }], 'the stream\'s events are on globex\'s topic');
    assert.ok(hasStreams(t.log));
    const raw = t.log.streams;
    assert.deepEqual(await Promise.all(['acme__shared-1', 'globex__shared-1'].map(async (s) => (await raw.streamInfo(s))?.topic)), ['acme__shared', 'globex__shared']);
  });
});

describe('stream routes on a shared log opened with tenantStreamTopic', () => {
  it('a tenant whose name has a dash gets its stream events on its own topic, and its own category', async () => {
    const log = new MemoryLog({ streamTopic: tenantStreamTopic() });
    const server = await startServer({ log, ownsLog: true, port: 0, logger: false });
    try {
      const key = (tenant: string): Promise<string> => server.keys!.create({ tenant, permissions: ['*:>'] }).then((k) => k.key);
      const [corp, plain] = [await key('acme-corp'), await key('acme')];
      for (const [k, who] of [[corp, 'acme-corp'], [plain, 'acme']] as const) {
        const r = await call<StreamAppendResult>(`${server.url}/v1/streams/order-1/events`, { method: 'POST', headers: { ...bearer(k), ...BATCH }, body: JSON.stringify([ce(`${who}-1`, { data: { who } })]) });
        assert.equal(r.body.receipts[0]?.topic, 'order', r.text);
      }
      const onTopic = await call<{ events: { event: { data: unknown } }[] }>(`${server.url}/v1/topics/order/events`, { headers: bearer(corp) });
      assert.deepEqual(onTopic.body.events.map((e) => e.event.data), [{ who: 'acme-corp' }]);
      const category = await call<StreamPage>(`${server.url}/v1/all/events?category=order`, { headers: bearer(corp) });
      assert.deepEqual(category.body.events.map((e) => [e.stream, e.topic, e.event.data]), [['order-1', 'order', { who: 'acme-corp' }]]);
      assert.deepEqual((await log.topics()).map((x) => x.topic).filter((x) => x.includes('order')).sort(), ['acme-corp__order', 'acme__order']);
    } finally {
      await server.close();
    }
  });
});

describe('stream routes on a backend without streams', () => {
  it('answer HERALD_E_UNSUPPORTED, and /v1/info says nothing of streams', async () => {
    const memory = new MemoryLog();
    // The memory log with its streams hidden: a backend that keeps topics only.
    const log = new Proxy(memory, { get: (target, name) => (name === 'streams' ? undefined : Reflect.get(target, name) as unknown) });
    const server = await startServer({ log, dev: true, port: 0, logger: false });
    try {
      for (const path of ['/v1/streams/order-1/events', '/v1/streams/order-1', '/v1/all/events', '/v1/all']) {
        const answer = await call<ErrorAnswer>(`${server.url}${path}`);
        assert.deepEqual([answer.status, answer.body.error.code], [400, 'HERALD_E_UNSUPPORTED'], path);
      }
      assert.equal((await call<{ streams?: unknown }>(`${server.url}/v1/info`)).body.streams, undefined);
    } finally {
      await server.close();
      await memory.close();
    }
  });
});
