import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { commandHandler, handleCommand } from '../../../src/eventstore/command-handler.js';
import type { Decider } from '../../../src/eventstore/decider.js';
import { readAll as readAllUpcast, readStream as readStreamUpcast } from '../../../src/eventstore/upcast.js';
import { collect, expectError } from '../helpers.js';
import { ev, readStream, revisions, withStreams, type Suite } from './helpers.js';
import { Added, AddedV1, contracts, tally, type Tally, type TallyCommand, type TallyEvent } from './tally.js';

const add = (amount: number): TallyCommand => ({ type: 'add', amount });

export function deciderSuite(suite: Suite): void {
  describe(`${suite.name}: deciders and the command handler`, () => {
    it('loads, decides and appends through the events\' contracts, expecting the revision it loaded', withStreams(suite, async (log) => {
      const s = log.streams;
      const envelope = { source: 'urn:test:tally', correlationid: 'corr-1' };
      const r1 = await handleCommand(s, 'tally-1', add(5), tally, { contracts, envelope });
      assert.deepEqual(r1, { newState: { total: 5, count: 1, closed: false }, newEvents: [{ type: 'tally.added', data: { amount: 5 } }], revision: 1, globalPosition: 1, retries: 0 });
      const r2 = await handleCommand(s, 'tally-1', add(7), tally, { contracts, envelope });
      assert.deepEqual([r2.revision, r2.newState.total], [2, 12]);
      const [stored] = await readStream(log, 'tally-1');
      const { id: _id, time: _time, ...event } = stored!.event;
      assert.deepEqual(event, {
        specversion: '1.0', source: 'urn:test:tally', type: 'tally.added', datacontenttype: 'application/json', data: { amount: 5 },
        dataversion: 2, correlationid: 'corr-1', partitionkey: 'tally-1',
      });
      const bound = commandHandler(s, tally, { contracts, envelope: { source: 'urn:test:bound' } });
      await bound('tally-1', add(1), { envelope: { correlationid: 'corr-2' }, expectedRevision: 2 });
      const [third] = await readStream(log, 'tally-1', { fromRevision: 3 });
      assert.deepEqual([third!.event.source, third!.event.correlationid], ['urn:test:bound', 'corr-2'], 'per-call envelope fields merge with the bound ones');
    }));

    it('a refused command (decide throws) or one that decides nothing appends nothing', withStreams(suite, async (log) => {
      const s = log.streams;
      await handleCommand(s, 'tally-2', { type: 'close', reason: 'done' }, tally, { contracts });
      await assert.rejects(handleCommand(s, 'tally-2', add(1), tally, { contracts }), /the tally is closed/);
      const nothing = await handleCommand(s, 'tally-2', { type: 'close', reason: 'again' }, tally, { contracts });
      assert.deepEqual(nothing, { newState: { total: 0, count: 0, closed: true }, newEvents: [], revision: 1, globalPosition: undefined, retries: 0 });
      assert.equal(await s.headPosition(), 1);
    }));

    it('an event its contract refuses is not appended (HERALD_E_INVALID_EVENT naming the field)', withStreams(suite, async (log) => {
      const error = await expectError(() => handleCommand(log.streams, 'tally-3', add(-1), tally, { contracts }), 'HERALD_E_INVALID_EVENT');
      assert.match(error.message, /amount must be a positive number/);
      const unknown: Decider<Tally, TallyCommand, TallyEvent> = { ...tally, decide: () => [{ type: 'tally.reset', data: {} } as unknown as TallyEvent] };
      await expectError(() => handleCommand(log.streams, 'tally-3', add(1), unknown, { contracts }), 'HERALD_E_INVALID_ARGUMENT', 'events[0].type');
      assert.equal(await log.streams.streamInfo('tally-3'), undefined);
    }));

    it('two handlers racing on one stream: the loser loads again, decides again, and both commands land', withStreams(suite, async (log) => {
      const s = log.streams;
      await handleCommand(s, 'tally-4', add(10), tally, { contracts });
      let arrived = 0;
      let release = (): void => undefined;
      const bothDecided = new Promise<void>((resolve) => { release = resolve; });
      const racing: Decider<Tally, TallyCommand, TallyEvent> = {
        ...tally,
        async decide(command, state) {
          if (arrived < 2 && ++arrived === 2) release();
          await bothDecided; // both decide on revision 1 before either appends
          return tally.decide(command, state);
        },
      };
      const [a, b] = await Promise.all([handleCommand(s, 'tally-4', add(1), racing, { contracts }), handleCommand(s, 'tally-4', add(2), racing, { contracts })]);
      assert.deepEqual([a.retries + b.retries, Math.max(a.revision, b.revision)], [1, 3], 'one conflict, one retry');
      const last = a.revision === 3 ? a : b;
      assert.equal(last.newState.total, 13, 'the retried command decided on the winner\'s event');
      assert.deepEqual(revisions(await readStream(log, 'tally-4')), [1, 2, 3]);
    }));

    it('conflicts beyond `retries` throw HERALD_E_WRONG_REVISION; a caller\'s expected revision is never retried', withStreams(suite, async (log) => {
      const s = log.streams;
      let decided = 0;
      const interfering: Decider<Tally, TallyCommand, TallyEvent> = {
        ...tally,
        async decide(command, state) {
          decided++;
          await s.appendToStream('tally-5', [await Added.create({ amount: 1 })]); // another writer, every time
          return tally.decide(command, state);
        },
      };
      await expectError(() => handleCommand(s, 'tally-5', add(5), interfering, { contracts, retries: 2 }), 'HERALD_E_WRONG_REVISION');
      assert.equal(decided, 3, 'the first attempt and two retries');
      assert.equal((await s.streamInfo('tally-5'))?.revision, 3, 'only the other writer\'s events');
      decided = 0;
      const error = await expectError(() => handleCommand(s, 'tally-5', add(5), { ...tally, decide: (c, st) => { decided++; return tally.decide(c, st); } }, { contracts, expectedRevision: 1 }), 'HERALD_E_WRONG_REVISION');
      assert.deepEqual([decided, error.details?.actualRevision], [1, 3]);
    }));

    it('a tombstoned stream refuses commands; a soft-deleted one starts again from the initial state', withStreams(suite, async (log) => {
      const s = log.streams;
      await handleCommand(s, 'tally-6', add(4), tally, { contracts });
      await s.deleteStream('tally-6', { tombstone: true });
      await expectError(() => handleCommand(s, 'tally-6', add(1), tally, { contracts }), 'HERALD_E_STREAM_DELETED');
      await handleCommand(s, 'tally-7', add(4), tally, { contracts });
      await handleCommand(s, 'tally-7', add(4), tally, { contracts });
      await s.deleteStream('tally-7');
      const again = await handleCommand(s, 'tally-7', add(3), tally, { contracts });
      assert.deepEqual([again.newState.total, again.revision], [3, 3]);
    }));

    it('snapshots every N events: saved as the revision crosses each multiple, and loads start from the latest', withStreams(suite, async (log) => {
      const s = log.streams;
      const handle = commandHandler(s, tally, { contracts, snapshots: { every: 3 } });
      for (let i = 0; i < 7; i++) await handle('tally-8', add(1));
      assert.deepEqual(await s.snapshots!.loadSnapshot('tally-8'), { revision: 6, version: 1, state: { total: 6, count: 6, closed: false } });
      // Proof that a load starts from the snapshot: doctor it, and the next state carries the doctored total.
      await s.snapshots!.saveSnapshot('tally-8', { revision: 6, version: 1, state: { total: 1000, count: 6, closed: false } });
      assert.equal((await handle('tally-8', add(1))).newState.total, 1000 + 1 + 1);
      const otherVersion = commandHandler(s, tally, { contracts, snapshots: { every: 3, version: 2 } });
      assert.equal((await otherVersion('tally-8', add(1))).newState.total, 9, 'a snapshot of another state version is ignored: full replay');
      assert.equal((await s.snapshots!.loadSnapshot('tally-8'))?.version, 2, 'crossing revision 9 saved one of version 2');
    }));

    it('a snapshot from before a soft delete is not used, and a failed save does not fail the command', withStreams(suite, async (log) => {
      const s = log.streams;
      await handleCommand(s, 'tally-9', add(2), tally, { contracts });
      await s.deleteStream('tally-9');
      await s.snapshots!.saveSnapshot('tally-9', { revision: 1, version: 1, state: { total: 500, count: 1, closed: false } });
      const errors: unknown[] = [];
      const failing = { loadSnapshot: s.snapshots!.loadSnapshot.bind(s.snapshots), saveSnapshot: () => Promise.reject(new Error('disk says no')) };
      const r = await handleCommand(s, 'tally-9', add(1), tally, { contracts, snapshots: { every: 1, store: failing, onError: (e) => errors.push(e) } });
      assert.deepEqual([r.newState.total, r.revision], [1, 2], 'the stale snapshot was ignored');
      assert.equal((errors[0] as Error).message, 'disk says no');
    }));

    it('old event versions are upcast on load, and the stream keeps them as stored', withStreams(suite, async (log) => {
      const s = log.streams;
      await s.appendToStream('tally-10', [await AddedV1.create({ n: 4 }), await AddedV1.create({ n: 5 })]);
      const r = await handleCommand(s, 'tally-10', add(1), tally, { contracts });
      assert.deepEqual([r.newState.total, r.revision], [10, 3]);
      assert.deepEqual((await readStream(log, 'tally-10')).map((e) => [e.event.dataversion, e.event.data]), [[1, { n: 4 }], [1, { n: 5 }], [2, { amount: 1 }]]);
      await s.appendToStream('tally-10', [ev(1, { type: 'tally.reset' })]);
      const error = await expectError(() => handleCommand(s, 'tally-10', add(1), tally, { contracts }), 'HERALD_E_INVALID_EVENT');
      assert.match(error.message, /tally-10 revision 4 has type tally\.reset/);
    }));

    it('readStream and readAll with contracts upcast what they know and pass the rest through', withStreams(suite, async (log) => {
      const s = log.streams;
      await s.appendToStream('tally-11', [await AddedV1.create({ n: 4 }), ev(7, { type: 'tally.noted' })]);
      const read = await collect(readStreamUpcast(s, 'tally-11', { contracts, direction: 'backwards' }));
      assert.deepEqual(read.map((e) => [e.revision, e.event.type, e.event.dataversion, e.event.data]), [[2, 'tally.noted', undefined, { n: 7 }], [1, 'tally.added', 2, { amount: 4 }]]);
      const all = await collect(readAllUpcast(s, { contracts, category: 'tally', limit: 1 }));
      assert.deepEqual(all.map((e) => e.event.data), [{ amount: 4 }]);
      await expectError(() => collect(readStreamUpcast(s, 'tally-11', { contracts: [{}] as never })), 'HERALD_E_INVALID_ARGUMENT', 'contracts[0]');
      assert.deepEqual(revisions(await readStream(log, 'tally-11')), [1, 2]);
    }));
  });
}
