import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createEvent, type CloudEvent } from '../core/envelope.js';
import { MemoryLog } from '../log/memory/index.js';
import { hasStreams, type RecordedEvent, type StreamStore } from '../log/streams.js';
import type { EventLog } from '../log/types.js';
import { TenantLog } from './tenant-log.js';
import { streamPrefixOf, tenantStreamTopic } from './tenant-streams.js';

const ev = (who: string, type = 'test.happened'): CloudEvent => createEvent({ type, data: { who } });
const collect = async (events: AsyncIterable<RecordedEvent>): Promise<RecordedEvent[]> => {
  const out: RecordedEvent[] = [];
  for await (const e of events) out.push(e);
  return out;
};
const streamsOf = (log: EventLog): StreamStore => {
  assert.ok(hasStreams(log), `${log.backend} view has streams`);
  return log.streams;
};
const who = (events: readonly RecordedEvent[]): unknown[] => events.map((e) => (e.event.data as { who: string }).who);

describe('tenant streams', () => {
  it('two tenants with the same stream names never see each other\'s streams, categories or snapshots', async () => {
    const log = new MemoryLog();
    const [a, b] = [streamsOf(new TenantLog(log, 'acme')), streamsOf(new TenantLog(log, 'globex'))];
    await a.appendToStream('order-1', [ev('acme'), ev('acme')]);
    await b.appendToStream('order-1', [ev('globex')], { expectedRevision: 'no_stream' });
    await a.appendToStream('cart-1', [ev('acme')]);
    assert.deepEqual(who(await collect(b.readStream('order-1'))), ['globex']);
    assert.deepEqual(await b.streamInfo('order-1'), { stream: 'order-1', revision: 1, topic: 'order', deleted: 'no', softDeletedAt: 0, metadata: {} });
    assert.equal(await b.streamInfo('cart-1'), undefined);
    const all = await collect(b.readAll());
    assert.deepEqual(all.map((e) => [e.stream, e.topic, e.revision, e.globalPosition, e.event.partitionkey]), [['order-1', 'order', 1, 3, 'order-1']],
      'the log\'s $all positions, the tenant\'s names, keyed by the name the tenant knows');
    assert.deepEqual(who(await collect(a.readAll({ category: 'order', direction: 'backwards' }))), ['acme', 'acme']);
    assert.deepEqual(await collect(b.readAll({ category: 'cart' })), []);
    await a.snapshots!.saveSnapshot('order-1', { revision: 2, version: 1, state: { secret: true } });
    assert.equal(await b.snapshots!.loadSnapshot('order-1'), undefined);
    await b.deleteStream('order-1', { tombstone: true });
    assert.equal((await a.appendToStream('order-1', [ev('acme')], { expectedRevision: 2 })).revision, 3, 'globex\'s tombstone is its own');
    assert.equal(await b.headPosition(), 5, 'the head is the log\'s');
    const raw = streamsOf(log);
    assert.deepEqual((await collect(raw.readAll())).map((e) => e.stream), ['acme__order-1', 'acme__order-1', 'globex__order-1', 'acme__cart-1', 'acme__order-1']);
    assert.deepEqual((await log.topics()).map((t) => t.topic).sort(), ['acme__cart', 'acme__order', 'globex__order']);
  });

  it('a limit counts the tenant\'s own events, in both directions', async () => {
    const log = new MemoryLog();
    const [a, b] = [streamsOf(new TenantLog(log, 'acme')), streamsOf(new TenantLog(log, 'globex'))];
    for (let i = 0; i < 4; i++) {
      await a.appendToStream(`x-${i}`, [ev('acme')]);
      await b.appendToStream(`x-${i}`, [ev('globex'), ev('globex')]);
    }
    assert.deepEqual((await collect(a.readAll({ limit: 3 }))).map((e) => e.globalPosition), [1, 4, 7]);
    assert.deepEqual((await collect(a.readAll({ limit: 2, direction: 'backwards' }))).map((e) => e.globalPosition), [10, 7]);
    assert.deepEqual((await collect(a.readAll({ fromPosition: 5, limit: 1 }))).map((e) => e.globalPosition), [7]);
    assert.deepEqual(who(await collect(b.readAll({ types: ['test.happened'], limit: 8 }))), Array(8).fill('globex'));
  });

  it('errors name streams as the tenant knows them; names too long for the tenant are refused; a closed view refuses', async () => {
    const log = new MemoryLog();
    const view = new TenantLog(log, 'acme-corp');
    const s = streamsOf(view);
    await s.appendToStream('order-1', [ev('a')]);
    await assert.rejects(s.appendToStream('order-1', [ev('b')], { expectedRevision: 'no_stream' }), (error: Error & { details?: unknown }) => {
      assert.deepEqual(error.details, { stream: 'order-1', expectedRevision: 'no_stream', actualRevision: 1 });
      assert.ok(!error.message.includes('acme'), error.message);
      return true;
    });
    const max = 200 - streamPrefixOf('acme-corp').length;
    assert.equal((await s.appendToStream('x'.repeat(max), [ev('a')])).revision, 1);
    await assert.rejects(s.appendToStream('x'.repeat(max + 1), [ev('a')]), { code: 'HERALD_E_INVALID_ARGUMENT', message: /too long for tenant acme-corp/ });
    await assert.rejects(collect(s.readAll({ category: 'x'.repeat(max + 1) })), { code: 'HERALD_E_INVALID_ARGUMENT', details: { field: 'category' } });
    await assert.rejects(s.streamInfo('$all'), { code: 'HERALD_E_INVALID_ARGUMENT' });
    await view.close();
    await assert.rejects(s.appendToStream('order-1', [ev('c')]), { code: 'HERALD_E_CLOSED' });
    await assert.rejects(collect(s.readStream('order-1')), { code: 'HERALD_E_CLOSED' });
    assert.throws(() => s.onAppendAll(() => undefined), { code: 'HERALD_E_CLOSED' });
  });

  it('a tenant view of a log without streams has none', () => {
    const log = new MemoryLog();
    const topicsOnly = new Proxy(log, { get: (target, name) => (name === 'streams' ? undefined : Reflect.get(target, name) as unknown) });
    assert.equal(hasStreams(new TenantLog(topicsOnly, 'acme')), false);
    assert.equal(hasStreams(new TenantLog(log, 'acme')), true);
  });
});

describe('tenantStreamTopic', () => {
  it('puts a tenant\'s stream on the tenant\'s topic of its category, for tenant names with and without dashes', () => {
    const topic = tenantStreamTopic();
    assert.equal(topic(`${streamPrefixOf('acme')}order-1`), 'acme__order');
    assert.equal(topic(`${streamPrefixOf('acme-corp')}order-1`), 'acme-corp__order');
    assert.equal(topic('order-1'), 'order', 'a stream of no tenant');
    assert.equal(topic('acme.corp__Invoice 7'), 'Invoice 7', 'no topic name: left for the log to refuse');
    const custom = tenantStreamTopic((stream) => (stream.startsWith('inv') ? 'invoices' : stream.split('-')[0]!));
    assert.deepEqual([custom('a.b__inv-9'), custom('inv-9'), custom('a.b__cart-1')], ['a-b__invoices', 'invoices', 'a-b__cart']);
  });

  it('on a shared log, every tenant\'s stream events reach the tenant\'s topic, where its consumers see them', async () => {
    const log = new MemoryLog({ streamTopic: tenantStreamTopic() });
    for (const tenant of ['acme-corp', 'acme', 'acme-corp-eu']) {
      const view = new TenantLog(log, tenant);
      const r = await streamsOf(view).appendToStream('order-1', [ev(tenant)]);
      assert.equal(r.receipts[0]?.topic, 'order');
      const onTopic = [];
      for await (const e of view.read('order')) onTopic.push((e.event.data as { who: string }).who);
      assert.deepEqual(onTopic, [tenant]);
      assert.deepEqual(who(await collect(streamsOf(view).readAll({ category: 'order' }))), [tenant]);
    }
  });
});
