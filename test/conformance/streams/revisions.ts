import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CloudEvent } from '../../../src/core/envelope.js';
import type { ExpectedRevision } from '../../../src/log/streams.js';
import { collect, expectError } from '../helpers.js';
import { ev, evs, expectWrongRevision, readStream, revisions, withStreams, type Suite } from './helpers.js';

export function revisionSuite(suite: Suite): void {
  describe(`${suite.name}: stream revisions and expected revisions`, () => {
    it('revisions count from 1 per stream; each result names the revision and the $all position', withStreams(suite, async (log) => {
      const s = log.streams;
      assert.equal(await s.streamInfo('a-1'), undefined, 'a stream never written has no info');
      const r1 = await s.appendToStream('a-1', evs(2));
      assert.deepEqual([r1.stream, r1.revision, r1.globalPosition, r1.receipts.length], ['a-1', 2, 2, 2]);
      const r2 = await s.appendToStream('b-1', evs(1));
      assert.deepEqual([r2.revision, r2.globalPosition], [1, 3]);
      const r3 = await s.appendToStream('a-1', evs(3));
      assert.deepEqual([r3.revision, r3.globalPosition], [5, 6]);
      assert.deepEqual(await s.streamInfo('a-1'), { stream: 'a-1', revision: 5, topic: 'a', deleted: 'no', softDeletedAt: 0, metadata: {} });
      assert.deepEqual(revisions(await readStream(log, 'a-1')), [1, 2, 3, 4, 5]);
      assert.equal(await s.headPosition(), 6);
    }));

    it('every expected revision on a new stream: no_stream, 0 and any pass; stream_exists and n fail with actualRevision 0', withStreams(suite, async (log) => {
      const s = log.streams;
      const cases: Array<[ExpectedRevision, boolean]> = [['no_stream', true], [0, true], ['any', true], ['stream_exists', false], [1, false], [7, false]];
      for (const [i, [expected, passes]] of cases.entries()) {
        const stream = `new-${i}`;
        if (passes) {
          assert.equal((await s.appendToStream(stream, [ev(i)], { expectedRevision: expected })).revision, 1, `${String(expected)} on a new stream`);
        } else {
          await expectWrongRevision(() => s.appendToStream(stream, [ev(i)], { expectedRevision: expected }), stream, expected, 0);
          assert.equal(await s.streamInfo(stream), undefined, 'a refused first append creates nothing');
        }
      }
    }));

    it('every expected revision on a stream at revision 2', withStreams(suite, async (log) => {
      const s = log.streams;
      await s.appendToStream('o-1', evs(2), { expectedRevision: 'no_stream' });
      await expectWrongRevision(() => s.appendToStream('o-1', [ev(3)], { expectedRevision: 'no_stream' }), 'o-1', 'no_stream', 2);
      await expectWrongRevision(() => s.appendToStream('o-1', [ev(3)], { expectedRevision: 0 }), 'o-1', 0, 2);
      await expectWrongRevision(() => s.appendToStream('o-1', [ev(3)], { expectedRevision: 1 }), 'o-1', 1, 2);
      await expectWrongRevision(() => s.appendToStream('o-1', [ev(3)], { expectedRevision: 3 }), 'o-1', 3, 2);
      assert.equal((await s.appendToStream('o-1', [ev(3)], { expectedRevision: 'stream_exists' })).revision, 3);
      assert.equal((await s.appendToStream('o-1', [ev(4)], { expectedRevision: 3 })).revision, 4);
      await expectWrongRevision(() => s.appendToStream('o-1', [ev(5)], { expectedRevision: 3 }), 'o-1', 3, 4);
      assert.equal((await s.appendToStream('o-1', [ev(5)], { expectedRevision: 'any' })).revision, 5);
      assert.equal((await s.appendToStream('o-1', [ev(6)])).revision, 6, 'the default is any');
      assert.deepEqual(revisions(await readStream(log, 'o-1')), [1, 2, 3, 4, 5, 6]);
    }));

    it('a refused append writes nothing: not to the stream, not to $all, not to the topic', withStreams(suite, async (log) => {
      const s = log.streams;
      await s.appendToStream('o-1', evs(2));
      await expectWrongRevision(() => s.appendToStream('o-1', evs(3, 10), { expectedRevision: 1 }), 'o-1', 1, 2);
      assert.equal((await s.streamInfo('o-1'))?.revision, 2);
      assert.equal(await s.headPosition(), 2);
      assert.equal((await log.topicInfo('o'))?.count, 2, 'the topic of o-1 is its category, o');
      const next = await s.appendToStream('o-1', [ev(4)], { expectedRevision: 2 });
      assert.deepEqual([next.revision, next.globalPosition, next.receipts[0]!.position], [3, 3, 3], 'no revision, $all or topic position was used up');
    }));

    it('an empty append checks the revision and writes nothing', withStreams(suite, async (log) => {
      const s = log.streams;
      const empty = await s.appendToStream('e-1', [], { expectedRevision: 'no_stream' });
      assert.deepEqual([empty.revision, empty.globalPosition, empty.receipts], [0, 0, []]);
      assert.equal(await s.streamInfo('e-1'), undefined);
      await s.appendToStream('e-1', evs(2));
      assert.deepEqual((({ revision, globalPosition }) => [revision, globalPosition])(await s.appendToStream('e-1', [], { expectedRevision: 2 })), [2, 2]);
      await expectWrongRevision(() => s.appendToStream('e-1', [], { expectedRevision: 1 }), 'e-1', 1, 2);
    }));

    it('a closed log refuses stream calls with HERALD_E_CLOSED', withStreams(suite, async (log) => {
      const s = log.streams;
      await s.appendToStream('c-1', [ev(1)]);
      await log.close();
      await expectError(() => s.appendToStream('c-1', [ev(2)]), 'HERALD_E_CLOSED');
      await expectError(() => collect(s.readStream('c-1')), 'HERALD_E_CLOSED');
      await expectError(() => collect(s.readAll()), 'HERALD_E_CLOSED');
      await expectError(() => s.streamInfo('c-1'), 'HERALD_E_CLOSED');
      await expectError(() => s.deleteStream('c-1'), 'HERALD_E_CLOSED');
      await expectError(() => s.headPosition(), 'HERALD_E_CLOSED');
      await expectError(() => s.snapshots!.loadSnapshot('c-1'), 'HERALD_E_CLOSED');
    }));

    it('validates every input and appends nothing when one is wrong', withStreams(suite, async (log) => {
      const s = log.streams;
      for (const bad of ['', 'x'.repeat(201), 'line\nbreak', 'tab\there', '$all', '$ce-order', 42, null]) {
        await expectError(() => s.appendToStream(bad as string, [ev(1)]), 'HERALD_E_INVALID_ARGUMENT', 'stream', `stream ${JSON.stringify(bad)}`);
      }
      assert.equal((await s.appendToStream('x'.repeat(200), [ev(1)])).revision, 1, 'a 200-character name is fine');
      for (const bad of [-1, 1.5, 'latest', null, Number.NaN]) {
        await expectError(() => s.appendToStream('v-1', [ev(1)], { expectedRevision: bad as ExpectedRevision }), 'HERALD_E_INVALID_ARGUMENT', 'expectedRevision');
      }
      const invalid = { ...ev(2), id: '' } as CloudEvent;
      const error = await expectError(() => s.appendToStream('v-1', [ev(1), invalid]), 'HERALD_E_INVALID_EVENT');
      assert.match(error.message, /^event 1: /, 'names the event, as a topic append does');
      assert.equal(error.details?.index, 1);
      const twice = ev(3);
      const dup = await expectError(() => s.appendToStream('v-1', [twice, ev(4), twice]), 'HERALD_E_INVALID_ARGUMENT');
      assert.equal(dup.details?.field, 'events[2].id');
      await expectError(() => s.appendToStream('v-1', 'nope' as unknown as CloudEvent[]), 'HERALD_E_INVALID_ARGUMENT', 'events');
      await expectError(() => s.appendToStream('bad category-1', [ev(1)]), 'HERALD_E_INVALID_ARGUMENT', 'stream', 'a category that is no topic name');
      assert.equal(await s.streamInfo('v-1'), undefined);
      assert.equal(await s.headPosition(), 1);
      await expectError(() => s.streamInfo('$all'), 'HERALD_E_INVALID_ARGUMENT', 'stream');
      await expectError(() => s.deleteStream('v-1', { tombstone: 'yes' as unknown as boolean }), 'HERALD_E_INVALID_ARGUMENT', 'tombstone');
    }));
  });
}
