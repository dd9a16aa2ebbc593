import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { collect, expectError } from '../helpers.js';
import { ev, evs, expectWrongRevision, readAll, readStream, revisions, withStreams, type Suite } from './helpers.js';

export function deleteSuite(suite: Suite): void {
  describe(`${suite.name}: soft delete and tombstone`, () => {
    it('a soft-deleted stream is hidden, matches no_stream, and continues its revisions when written again', withStreams(suite, async (log) => {
      const s = log.streams;
      await s.appendToStream('soft-1', evs(3));
      await s.deleteStream('soft-1');
      assert.deepEqual(await s.streamInfo('soft-1'), { stream: 'soft-1', revision: 3, topic: 'soft', deleted: 'soft', softDeletedAt: 3, metadata: {} });
      assert.deepEqual(await readStream(log, 'soft-1'), []);
      assert.deepEqual(await readStream(log, 'soft-1', { direction: 'backwards' }), []);
      await expectWrongRevision(() => s.appendToStream('soft-1', [ev(4)], { expectedRevision: 'stream_exists' }), 'soft-1', 'stream_exists', 3);
      const again = await s.appendToStream('soft-1', [ev(4)], { expectedRevision: 'no_stream' });
      assert.equal(again.revision, 4, 'revisions continue after a soft delete');
      assert.deepEqual(revisions(await readStream(log, 'soft-1')), [4], 'the deleted events stay hidden');
      assert.equal((await s.streamInfo('soft-1'))?.deleted, 'no');
      assert.equal((await readAll(log)).length, 4, '$all keeps every committed event');
    }));

    it('a soft-deleted stream also accepts its last revision, and a delete may expect a revision', withStreams(suite, async (log) => {
      const s = log.streams;
      await s.appendToStream('soft-2', evs(2));
      await expectWrongRevision(() => s.deleteStream('soft-2', { expectedRevision: 1 }), 'soft-2', 1, 2);
      assert.equal((await s.streamInfo('soft-2'))?.deleted, 'no', 'a refused delete deletes nothing');
      await s.deleteStream('soft-2', { expectedRevision: 2 });
      await s.deleteStream('soft-2');
      assert.equal((await s.streamInfo('soft-2'))?.softDeletedAt, 2, 'deleting again changes nothing');
      assert.equal((await s.appendToStream('soft-2', [ev(3)], { expectedRevision: 2 })).revision, 3);
      await s.deleteStream('never-1');
      assert.equal(await s.streamInfo('never-1'), undefined, 'soft-deleting a stream never written is a no-op');
    }));

    it('a tombstoned stream reads as empty and refuses every write with HERALD_E_STREAM_DELETED', withStreams(suite, async (log) => {
      const s = log.streams;
      const appended = await s.appendToStream('tomb-1', evs(2));
      await s.deleteStream('tomb-1', { tombstone: true, expectedRevision: 2 });
      assert.equal((await s.streamInfo('tomb-1'))?.deleted, 'tombstone');
      assert.deepEqual(await readStream(log, 'tomb-1'), []);
      for (const expectedRevision of ['any', 'no_stream', 2] as const) {
        const error = await expectError(() => s.appendToStream('tomb-1', [ev(3)], { expectedRevision }), 'HERALD_E_STREAM_DELETED');
        assert.deepEqual(error.details, { stream: 'tomb-1' });
      }
      await expectError(() => s.appendToStream('tomb-1', []), 'HERALD_E_STREAM_DELETED');
      await expectError(() => s.setStreamMetadata('tomb-1', { maxCount: 1 }), 'HERALD_E_STREAM_DELETED');
      await expectError(() => s.deleteStream('tomb-1'), 'HERALD_E_STREAM_DELETED');
      await expectError(() => s.deleteStream('tomb-1', { tombstone: true }), 'HERALD_E_STREAM_DELETED');
      assert.equal((await collect(log.read('tomb'))).length, 2, 'what was published stays on the topic');
      assert.deepEqual((await readAll(log)).map((e) => e.position), appended.receipts.map((r) => r.position), 'and in $all');
    }));

    it('a stream may be tombstoned before it is ever written, and a soft-deleted one later', withStreams(suite, async (log) => {
      const s = log.streams;
      await s.deleteStream('gone-1', { tombstone: true, expectedRevision: 'no_stream' });
      await expectError(() => s.appendToStream('gone-1', [ev(1)], { expectedRevision: 'no_stream' }), 'HERALD_E_STREAM_DELETED');
      assert.equal(await s.streamInfo('gone-1').then((i) => i?.revision), 0);
      await s.appendToStream('gone-2', evs(2));
      await s.deleteStream('gone-2');
      await s.deleteStream('gone-2', { tombstone: true });
      await expectError(() => s.appendToStream('gone-2', [ev(3)]), 'HERALD_E_STREAM_DELETED');
    }));

    it('deleting a stream drops its snapshot', withStreams(suite, async (log) => {
      const s = log.streams;
      const snapshots = s.snapshots!;
      await s.appendToStream('snap-1', evs(2));
      await snapshots.saveSnapshot('snap-1', { revision: 2, version: 1, state: { n: 2 } });
      assert.deepEqual(await snapshots.loadSnapshot('snap-1'), { revision: 2, version: 1, state: { n: 2 } });
      await s.deleteStream('snap-1');
      assert.equal(await snapshots.loadSnapshot('snap-1'), undefined);
    }));
  });
}
