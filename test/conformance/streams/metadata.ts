import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StreamMetadata } from '../../../src/log/streams.js';
import { expectError, timing } from '../helpers.js';
import { ev, evs, expectWrongRevision, readAll, readStream, revisions, withStreams, type Suite } from './helpers.js';

export function metadataSuite(suite: Suite): void {
  describe(`${suite.name}: stream metadata, enforced on read`, () => {
    it('maxCount keeps the last n events visible, both ways; $all keeps them all', withStreams(suite, async (log) => {
      const s = log.streams;
      await s.appendToStream('m-1', evs(5));
      await s.setStreamMetadata('m-1', { maxCount: 2 });
      assert.deepEqual(revisions(await readStream(log, 'm-1')), [4, 5]);
      assert.deepEqual(revisions(await readStream(log, 'm-1', { fromRevision: 1, limit: 1 })), [4]);
      assert.deepEqual(revisions(await readStream(log, 'm-1', { direction: 'backwards' })), [5, 4]);
      await s.appendToStream('m-1', [ev(6)], { expectedRevision: 5 });
      assert.deepEqual(revisions(await readStream(log, 'm-1')), [5, 6]);
      assert.deepEqual((await s.streamInfo('m-1'))?.metadata, { maxCount: 2 });
      assert.equal((await readAll(log)).length, 6, '$all is the log of record: metadata does not filter it');
    }));

    it('truncateBefore hides the revisions before it', withStreams(suite, async (log) => {
      const s = log.streams;
      await s.appendToStream('t-1', evs(5));
      await s.setStreamMetadata('t-1', { truncateBefore: 3 });
      assert.deepEqual(revisions(await readStream(log, 't-1')), [3, 4, 5]);
      assert.deepEqual(revisions(await readStream(log, 't-1', { fromRevision: 1 })), [3, 4, 5]);
      assert.deepEqual(revisions(await readStream(log, 't-1', { direction: 'backwards' })), [5, 4, 3]);
      assert.deepEqual(revisions(await readStream(log, 't-1', { direction: 'backwards', fromRevision: 2 })), []);
      await s.setStreamMetadata('t-1', { truncateBefore: 3, maxCount: 1 });
      assert.deepEqual(revisions(await readStream(log, 't-1')), [5], 'the stricter of the two');
    }));

    it('maxAgeMs hides events older than that, measured at read time', withStreams(suite, async (log) => {
      const s = log.streams;
      const time = timing({ name: suite.name, open: () => Promise.reject(new Error('unused')), ...(suite.target.clock ? { clock: suite.target.clock } : {}) });
      const age = time.fake ? 10_000 : 400;
      await s.appendToStream('age-1', evs(2));
      await time.advance(age + time.gap);
      await s.appendToStream('age-1', [ev(3)]);
      await s.setStreamMetadata('age-1', { maxAgeMs: age });
      assert.deepEqual(revisions(await readStream(log, 'age-1')), [3]);
      assert.deepEqual(revisions(await readStream(log, 'age-1', { direction: 'backwards' })), [3]);
      await time.advance(age + time.gap);
      assert.deepEqual(revisions(await readStream(log, 'age-1')), []);
      assert.equal((await s.streamInfo('age-1'))?.revision, 3, 'hidden, not gone: the revision stays');
      await s.appendToStream('age-1', [ev(4)], { expectedRevision: 3 });
      assert.deepEqual(revisions(await readStream(log, 'age-1')), [4]);
    }));

    it('metadata is replaced whole, kept as a copy, and may be set before the first append', withStreams(suite, async (log) => {
      const s = log.streams;
      const custom = { owner: 'team-a', tags: ['x'] };
      await s.setStreamMetadata('early-1', { maxCount: 3, custom });
      custom.owner = 'changed';
      assert.deepEqual(await s.streamInfo('early-1'), { stream: 'early-1', revision: 0, topic: 'early', deleted: 'no', softDeletedAt: 0, metadata: { maxCount: 3, custom: { owner: 'team-a', tags: ['x'] } } });
      assert.equal((await s.appendToStream('early-1', evs(5), { expectedRevision: 'no_stream' })).revision, 5, 'a stream holding only metadata is still no_stream');
      assert.deepEqual(revisions(await readStream(log, 'early-1')), [3, 4, 5]);
      await s.setStreamMetadata('early-1', { truncateBefore: 2 });
      assert.deepEqual((await s.streamInfo('early-1'))?.metadata, { truncateBefore: 2 });
      assert.deepEqual(revisions(await readStream(log, 'early-1')), [2, 3, 4, 5]);
      await s.setStreamMetadata('early-1', {});
      assert.deepEqual(revisions(await readStream(log, 'early-1')), [1, 2, 3, 4, 5]);
    }));

    it('a metadata change may expect a revision', withStreams(suite, async (log) => {
      const s = log.streams;
      await s.appendToStream('x-1', evs(2));
      await expectWrongRevision(() => s.setStreamMetadata('x-1', { maxCount: 1 }, { expectedRevision: 1 }), 'x-1', 1, 2);
      assert.deepEqual((await s.streamInfo('x-1'))?.metadata, {});
      await s.setStreamMetadata('x-1', { maxCount: 1 }, { expectedRevision: 2 });
      assert.deepEqual((await s.streamInfo('x-1'))?.metadata, { maxCount: 1 });
    }));

    it('validates metadata', withStreams(suite, async (log) => {
      const s = log.streams;
      const bad: Array<[unknown, string]> = [
        [{ maxCount: 0 }, 'metadata.maxCount'], [{ maxAgeMs: -5 }, 'metadata.maxAgeMs'], [{ truncateBefore: 1.5 }, 'metadata.truncateBefore'],
        [{ custom: 'x' }, 'metadata.custom'], [{ maxcount: 2 }, 'metadata.maxcount'], [null, 'metadata'], [{ custom: { n: 1n } }, 'metadata.custom'],
      ];
      for (const [metadata, field] of bad) await expectError(() => s.setStreamMetadata('v-1', metadata as StreamMetadata), 'HERALD_E_INVALID_ARGUMENT', field);
      assert.equal(await s.streamInfo('v-1'), undefined);
    }));
  });
}
