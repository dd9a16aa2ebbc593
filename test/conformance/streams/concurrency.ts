import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isHeraldError } from '../../../src/core/errors.js';
import type { StreamLog } from '../../../src/log/streams.js';
import { ev, globals, range, readAll, readStream, revisions, withStreams, type Suite } from './helpers.js';

const APPENDERS = 20;

export function concurrencySuite(suite: Suite): void {
  describe(`${suite.name}: concurrent appenders`, () => {
    it(`${APPENDERS} appenders expecting the same revision: exactly one wins each round, the others learn the new revision`, withStreams(suite, async (log) => {
      const s = log.streams;
      const winners: string[] = [];
      for (let round = 0; round < 5; round++) {
        const events = Array.from({ length: APPENDERS }, (_, i) => ev(round * 100 + i));
        const outcomes = await Promise.allSettled(events.map((e) => s.appendToStream('race-1', [e], { expectedRevision: round })));
        const won = outcomes.flatMap((o, i) => (o.status === 'fulfilled' ? [{ result: o.value, id: events[i]!.id }] : []));
        assert.equal(won.length, 1, `round ${round}: one winner`);
        assert.equal(won[0]!.result.revision, round + 1);
        winners.push(won[0]!.id);
        for (const o of outcomes) {
          if (o.status === 'fulfilled') continue;
          assert.ok(isHeraldError(o.reason, 'HERALD_E_WRONG_REVISION'), String(o.reason));
          assert.equal(o.reason.details.actualRevision, round + 1, 'the loser learns the winner\'s revision');
        }
      }
      const stored = await readStream(log, 'race-1');
      assert.deepEqual(revisions(stored), [1, 2, 3, 4, 5]);
      assert.deepEqual(stored.map((e) => e.event.id), winners);
      assert.equal(await s.headPosition(), 5, 'losers used no $all position');
    }));

    it(`${APPENDERS} appenders retrying on conflict until each lands 5 events: no gaps, no duplicates, each one's order kept`, withStreams(suite, async (log) => {
      const s = log.streams;
      const landed = new Map<string, number>(); // event id -> revision
      let conflicts = 0;
      const appender = async (w: number): Promise<void> => {
        let expected = 0;
        for (let k = 0; k < 5;) {
          const e = ev(w * 10 + k);
          try {
            const r = await s.appendToStream('busy-1', [e], { expectedRevision: expected });
            assert.ok(!landed.has(e.id));
            landed.set(e.id, r.revision);
            expected = r.revision;
            k++;
          } catch (error) {
            if (!isHeraldError(error, 'HERALD_E_WRONG_REVISION')) throw error;
            conflicts++;
            const actual = error.details.actualRevision as number;
            assert.ok(actual > expected, 'a conflict means someone else moved the stream on');
            expected = actual;
          }
        }
      };
      await Promise.all(Array.from({ length: APPENDERS }, (_, w) => appender(w)));
      const stored = await readStream(log, 'busy-1');
      assert.deepEqual(revisions(stored), range(1, APPENDERS * 5), 'revisions 1..n without a gap');
      assert.equal(new Set(stored.map((e) => e.event.id)).size, stored.length, 'no event twice');
      for (const e of stored) assert.equal(landed.get(e.event.id), e.revision, 'each acknowledged revision holds its event');
      for (let w = 0; w < APPENDERS; w++) {
        const mine = stored.filter((e) => Math.floor((e.event.data as { n: number }).n / 10) === w).map((e) => (e.event.data as { n: number }).n % 10);
        assert.deepEqual(mine, [0, 1, 2, 3, 4], `appender ${w}'s events in its order`);
      }
      assert.ok(conflicts > 0, 'the appenders did race');
    }));

    it('many streams appended in parallel all succeed; $all is contiguous and follows each stream\'s order', withStreams(suite, async (log) => {
      const s = log.streams;
      const STREAMS = 50;
      const PER = 4;
      await Promise.all(Array.from({ length: STREAMS }, async (_, i) => {
        for (let k = 0; k < PER; k++) {
          const r = await s.appendToStream(`cart-${i}`, [ev(k)], { expectedRevision: k === 0 ? 'no_stream' : k });
          assert.equal(r.revision, k + 1);
        }
      }));
      const all = await readAll(log);
      assert.deepEqual(globals(all), range(1, STREAMS * PER));
      for (let i = 0; i < STREAMS; i++) {
        const mine = all.filter((e) => e.stream === `cart-${i}`);
        assert.deepEqual(revisions(mine), [1, 2, 3, 4], `cart-${i} in revision order within $all`);
      }
    }));

    it('a conflicting append fails alone: plain appends and other streams\' appends made at the same moment land', withStreams(suite, async (log) => {
      const s = log.streams;
      await s.appendToStream('hot-1', [ev(0)]);
      const plain = Array.from({ length: 10 }, (_, i) => log.append('plain', [ev(i)]));
      const others = Array.from({ length: 10 }, (_, i) => s.appendToStream(`cold-${i}`, [ev(i)], { expectedRevision: 'no_stream' }));
      const hot = Array.from({ length: 5 }, (_, i) => s.appendToStream('hot-1', [ev(i)], { expectedRevision: 1 }));
      const [p, o, h] = await Promise.all([Promise.allSettled(plain), Promise.allSettled(others), Promise.allSettled(hot)]);
      assert.ok(p.every((x) => x.status === 'fulfilled'), 'plain appends');
      assert.ok(o.every((x) => x.status === 'fulfilled'), 'other streams');
      assert.equal(h.filter((x) => x.status === 'fulfilled').length, 1, 'one append to hot-1');
      assert.equal((await log.topicInfo('plain'))?.count, 10);
      assert.equal(await s.headPosition(), 1 + 10 + 1);
    }));

    it('appends to one stream from one caller keep their call order without waiting for each other', withStreams(suite, async (log: StreamLog) => {
      const s = log.streams;
      const results = await Promise.all(Array.from({ length: 30 }, (_, i) => s.appendToStream('seq-1', [ev(i)])));
      assert.deepEqual(results.map((r) => r.revision), range(1, 30));
      assert.deepEqual((await readStream(log, 'seq-1')).map((e) => (e.event.data as { n: number }).n), range(0, 29));
    }));
  });
}
