import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StreamLog } from '../../../src/log/streams.js';
import { collect } from '../helpers.js';
import { ev, evs, readAll, readStream, type Suite } from './helpers.js';

export function durabilitySuite(suite: Suite): void {
  const reopen = suite.target.reopen?.bind(suite.target);
  describe(`${suite.name}: streams across close and reopen`, () => {
    it('streams, revisions, $all, metadata, deletes and snapshots survive; revisions and $all continue', { skip: reopen ? false : `${suite.name} has no reopen` }, async () => {
      let log: StreamLog = await suite.target.open();
      try {
        const s = log.streams;
        await s.appendToStream('keep-1', evs(3));
        await s.appendToStream('keep-2', evs(2));
        await s.setStreamMetadata('keep-1', { maxCount: 2, custom: { a: 1 } });
        await s.appendToStream('soft-1', evs(1));
        await s.deleteStream('soft-1');
        await s.appendToStream('tomb-1', evs(1));
        await s.deleteStream('tomb-1', { tombstone: true });
        await s.snapshots!.saveSnapshot('keep-2', { revision: 2, version: 3, state: { total: 2 } });
        const before = {
          infos: await Promise.all(['keep-1', 'keep-2', 'soft-1', 'tomb-1'].map((n) => s.streamInfo(n))),
          keep1: await readStream(log, 'keep-1'),
          all: await readAll(log),
          head: await s.headPosition(),
        };
        await log.close();
        log = await reopen!();
        const t = log.streams;
        const after = {
          infos: await Promise.all(['keep-1', 'keep-2', 'soft-1', 'tomb-1'].map((n) => t.streamInfo(n))),
          keep1: await readStream(log, 'keep-1'),
          all: await readAll(log),
          head: await t.headPosition(),
        };
        assert.deepEqual(after, before);
        assert.deepEqual(await t.snapshots!.loadSnapshot('keep-2'), { revision: 2, version: 3, state: { total: 2 } });
        const next = await t.appendToStream('keep-2', [ev(9)], { expectedRevision: 2 });
        assert.deepEqual([next.revision, next.globalPosition], [3, before.head + 1]);
        assert.equal((await t.appendToStream('soft-1', [ev(10)], { expectedRevision: 'no_stream' })).revision, 2);
        await assert.rejects(t.appendToStream('tomb-1', [ev(11)]), { code: 'HERALD_E_STREAM_DELETED' });
        assert.equal((await collect(log.read('keep'))).length, 6);
      } finally {
        await log.close();
      }
    });
  });
}
