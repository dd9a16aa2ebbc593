import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { collect, consumeAll, expectError, tick } from '../helpers.js';
import { ev, evs, ns, readStream, revisions, withStreams, type Suite } from './helpers.js';

export function topicSuite(suite: Suite): void {
  describe(`${suite.name}: streams on topics`, () => {
    it('stream events land on the category\'s topic, keyed by their stream unless they carry a key', withStreams(suite, async (log) => {
      const s = log.streams;
      const a = await s.appendToStream('order-1', evs(2));
      const b = await s.appendToStream('order-2', [ev(3, { key: 'customer-9' })]);
      const onTopic = await collect(log.read('order'));
      assert.deepEqual(onTopic.map((e) => e.position), [...a.receipts, ...b.receipts].map((r) => r.position));
      assert.deepEqual(onTopic.map((e) => e.event.partitionkey), ['order-1', 'order-1', 'customer-9']);
      assert.deepEqual(a.receipts.map((r) => [r.topic, r.duplicate]), [['order', false], ['order', false]]);
      assert.deepEqual(ns(onTopic), [1, 2, 3]);
    }));

    it('a topic that carries streams cannot be deleted from under them', withStreams(suite, async (log, t) => {
      if (!log.deleteTopic) return t.skip(`${log.backend} cannot delete topics`);
      await log.streams.appendToStream('order-1', evs(1));
      const error = await expectError(() => log.deleteTopic!('order'), 'HERALD_E_INVALID_ARGUMENT', 'topic');
      assert.match(error.message, /holds the events of event-sourced streams/);
      assert.deepEqual(revisions(await readStream(log, 'order-1')), [1]);
    }));

    it('a consumer group on the topic receives stream events like any others', withStreams(suite, async (log) => {
      const s = log.streams;
      await s.appendToStream('order-1', evs(2));
      await log.append('order', [ev(3)]);
      await s.appendToStream('order-2', [ev(4)]);
      const delivered = await consumeAll(log, 'order', 'billing');
      assert.deepEqual(ns(delivered), [1, 2, 3, 4]);
      assert.deepEqual(revisions(await readStream(log, 'order-2')), [1], 'a plain topic append is no stream event');
    }));

    it('topic listeners and $all listeners hear of stream appends; unsubscribing stops them', withStreams(suite, async (log) => {
      const s = log.streams;
      let topic = 0;
      let all = 0;
      const offTopic = log.onAppend('order', () => { topic++; });
      const offAll = s.onAppendAll(() => { all++; });
      await s.appendToStream('order-1', evs(2));
      await tick();
      assert.ok(topic >= 1 && all >= 1, `topic ${topic}, all ${all}`);
      const [t, a] = [topic, all];
      await log.append('order', [ev(3)]);
      await tick();
      assert.equal(all, a, 'a plain topic append is not a stream append');
      offTopic();
      offAll();
      await s.appendToStream('order-1', [ev(4)]);
      await tick();
      assert.deepEqual([topic, all], [t + 1, a]);
    }));

    it('the streamTopic option chooses the topic of new streams', withStreams(suite, async (log) => {
      const s = log.streams;
      const r = await s.appendToStream('Invoice 7', [ev(1)]);
      assert.equal(r.receipts[0]!.topic, 'all-streams');
      assert.equal((await s.streamInfo('Invoice 7'))?.topic, 'all-streams');
      assert.deepEqual(ns(await collect(log.read('all-streams'))), [1]);
    }, { streamTopic: () => 'all-streams' }));

    it('topic retention removes stream events from stream and $all reads too; the revisions stay', withStreams(suite, async (log) => {
      const s = log.streams;
      const first = evs(3);
      await s.appendToStream('kept-1', first);
      await s.appendToStream('kept-2', evs(2, 10));
      await log.setRetention('kept', { maxCount: 2 });
      assert.equal(await log.applyRetention(), 3);
      assert.deepEqual(await readStream(log, 'kept-1'), []);
      assert.deepEqual(revisions(await readStream(log, 'kept-2')), [1, 2]);
      assert.deepEqual((await collect(s.readAll())).map((e) => e.globalPosition), [4, 5]);
      assert.equal((await s.streamInfo('kept-1'))?.revision, 3);
      const again = await s.appendToStream('kept-1', [first[0]!], { expectedRevision: 3 });
      assert.equal(again.revision, 4, 'an id the topic no longer stores is a new event, as for topic appends');
    }));

    it('an exact retry (same event ids) is idempotent: the original result, nothing written, whatever the expected revision', withStreams(suite, async (log) => {
      const s = log.streams;
      const events = evs(2);
      const first = await s.appendToStream('idem-1', events, { expectedRevision: 'no_stream' });
      await s.appendToStream('idem-1', [ev(3)]);
      const retry = await s.appendToStream('idem-1', events, { expectedRevision: 'no_stream' });
      assert.deepEqual(retry, { ...first, receipts: first.receipts.map((r) => ({ ...r, duplicate: true })) });
      assert.deepEqual(revisions(await readStream(log, 'idem-1')), [1, 2, 3]);
      assert.equal((await log.topicInfo('idem'))?.count, 3);
      assert.equal(await s.headPosition(), 3);
      const single = await s.appendToStream('idem-1', [events[1]!], { expectedRevision: 0 });
      assert.deepEqual([single.revision, single.globalPosition], [2, 2], 'a retry of part of an append answers with that part');
    }));

    it('an event id already stored elsewhere on the topic, or a mix of old and new ids, is refused', withStreams(suite, async (log) => {
      const s = log.streams;
      const [a, b, c] = evs(3);
      await s.appendToStream('idem-1', [a!, b!]);
      const mixed = await expectError(() => s.appendToStream('idem-1', [b!, c!]), 'HERALD_E_INVALID_ARGUMENT');
      assert.equal(mixed.details?.field, 'events[0].id');
      const other = await expectError(() => s.appendToStream('idem-2', [a!]), 'HERALD_E_INVALID_ARGUMENT');
      assert.match(other.message, /idem-1/);
      const plain = ev(9);
      await log.append('idem', [plain]);
      await expectError(() => s.appendToStream('idem-3', [plain]), 'HERALD_E_INVALID_ARGUMENT');
      assert.equal((await s.appendToStream('elsewhere-1', [a!])).revision, 1, 'ids are unique per topic: another category\'s topic takes it');
      assert.deepEqual(revisions(await readStream(log, 'idem-1')), [1, 2]);
      assert.equal((await log.topicInfo('idem'))?.count, 3);
    }));
  });
}
