import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { collect, expectError } from '../helpers.js';
import { ev, evs, globals, ns, range, readAll, readStream, revisions, withStreams, type Suite } from './helpers.js';

export function readSuite(suite: Suite): void {
  describe(`${suite.name}: reading streams and $all`, () => {
    it('readStream forwards and backwards, from a revision, with a limit', withStreams(suite, async (log) => {
      await log.streams.appendToStream('r-1', evs(5));
      const cases: Array<[Parameters<typeof readStream>[2], number[]]> = [
        [{}, [1, 2, 3, 4, 5]],
        [{ fromRevision: 0 }, [1, 2, 3, 4, 5]],
        [{ fromRevision: 3 }, [3, 4, 5]],
        [{ limit: 2 }, [1, 2]],
        [{ fromRevision: 3, limit: 2 }, [3, 4]],
        [{ fromRevision: 6 }, []],
        [{ direction: 'backwards' }, [5, 4, 3, 2, 1]],
        [{ direction: 'backwards', fromRevision: 3 }, [3, 2, 1]],
        [{ direction: 'backwards', fromRevision: 3, limit: 2 }, [3, 2]],
        [{ direction: 'backwards', fromRevision: 99, limit: 1 }, [5]],
        [{ direction: 'backwards', fromRevision: 0 }, []],
      ];
      for (const [options, expected] of cases) assert.deepEqual(revisions(await readStream(log, 'r-1', options)), expected, JSON.stringify(options));
      assert.deepEqual(await readStream(log, 'unknown-1'), [], 'a stream never written reads as empty');
    }));

    it('a recorded event is the appended event (keyed by its stream) with its stream, topic and $all places', withStreams(suite, async (log) => {
      const e = ev(1);
      const r = await log.streams.appendToStream('shape-1', [e]);
      const [recorded] = await readStream(log, 'shape-1');
      assert.deepEqual(recorded, {
        topic: 'shape', position: r.receipts[0]!.position, appendedAt: r.receipts[0]!.appendedAt,
        event: { ...e, partitionkey: 'shape-1' }, stream: 'shape-1', revision: 1, globalPosition: 1,
      });
      const [fromAll] = await readAll(log);
      assert.deepEqual(fromAll, recorded, 'the same record through $all');
      const [onTopic] = await collect(log.read('shape'));
      assert.deepEqual(onTopic, { topic: 'shape', position: recorded.position, appendedAt: recorded.appendedAt, event: recorded.event }, 'and on the topic');
    }));

    it('readAll in $all order both ways, from a position, with a limit, by category and by type', withStreams(suite, async (log) => {
      const s = log.streams;
      await s.appendToStream('order-1', [ev(1, { type: 'order.placed' })]);
      await s.appendToStream('cart-1', [ev(2, { type: 'cart.opened' })]);
      await s.appendToStream('order-2', [ev(3, { type: 'order.placed' }), ev(4, { type: 'order.shipped' })]);
      await s.appendToStream('order-1', [ev(5, { type: 'order.shipped' })]);
      await s.appendToStream('cart-1', [ev(6, { type: 'cart.closed' })]);
      const cases: Array<[Parameters<typeof readAll>[1], number[]]> = [
        [{}, [1, 2, 3, 4, 5, 6]],
        [{ fromPosition: 4 }, [4, 5, 6]],
        [{ fromPosition: 2, limit: 3 }, [2, 3, 4]],
        [{ direction: 'backwards' }, [6, 5, 4, 3, 2, 1]],
        [{ direction: 'backwards', fromPosition: 4, limit: 2 }, [4, 3]],
        [{ category: 'order' }, [1, 3, 4, 5]],
        [{ category: 'cart', direction: 'backwards' }, [6, 2]],
        [{ category: 'order', fromPosition: 4 }, [4, 5]],
        [{ category: 'none' }, []],
        [{ types: ['order.shipped', 'cart.closed'] }, [4, 5, 6]],
        [{ category: 'order', types: ['order.placed'], direction: 'backwards', limit: 1 }, [3]],
        [{ fromPosition: 7 }, []],
      ];
      for (const [options, expected] of cases) assert.deepEqual(globals(await readAll(log, options)), expected, JSON.stringify(options));
      assert.deepEqual((await readAll(log)).map((e) => [e.stream, e.revision]),
        [['order-1', 1], ['cart-1', 1], ['order-2', 1], ['order-2', 2], ['order-1', 2], ['cart-1', 2]]);
      assert.deepEqual(ns(await readAll(log)), [1, 2, 3, 4, 5, 6]);
    }));

    it('long streams and $all are read page by page, whole and in order', withStreams(suite, async (log) => {
      const s = log.streams;
      for (let b = 0; b < 11; b++) await s.appendToStream(b % 2 === 0 ? 'long-1' : 'long-2', evs(100, b * 100));
      assert.deepEqual(revisions(await readStream(log, 'long-1')), range(1, 600));
      assert.deepEqual(revisions(await readStream(log, 'long-1', { direction: 'backwards' })), range(1, 600).reverse());
      assert.deepEqual(globals(await readAll(log)), range(1, 1100));
      assert.deepEqual(globals(await readAll(log, { fromPosition: 300, limit: 600 })), range(300, 899));
      assert.deepEqual(globals(await readAll(log, { direction: 'backwards', limit: 700 })), range(401, 1100).reverse());
      assert.equal(await s.headPosition(), 1100);
    }));

    it('a forwards read stops early without harm, and sees what is appended while it reads', withStreams(suite, async (log) => {
      const s = log.streams;
      await s.appendToStream('grow-1', evs(3));
      const seen: number[] = [];
      for await (const e of s.readStream('grow-1')) {
        seen.push(e.revision);
        if (e.revision === 3) await s.appendToStream('grow-1', evs(2, 10));
      }
      assert.deepEqual(seen, [1, 2, 3, 4, 5]);
      for await (const e of s.readAll()) { assert.equal(e.globalPosition, 1); break; }
    }));

    it('validates read options', withStreams(suite, async (log) => {
      const s = log.streams;
      await expectError(() => collect(s.readStream('r-1', { direction: 'sideways' as 'forwards' })), 'HERALD_E_INVALID_ARGUMENT', 'direction');
      await expectError(() => collect(s.readStream('r-1', { fromRevision: -1 })), 'HERALD_E_INVALID_ARGUMENT', 'fromRevision');
      await expectError(() => collect(s.readStream('r-1', { limit: 0 })), 'HERALD_E_INVALID_ARGUMENT', 'limit');
      await expectError(() => collect(s.readStream('', {})), 'HERALD_E_INVALID_ARGUMENT', 'stream');
      await expectError(() => collect(s.readAll({ fromPosition: 1.5 })), 'HERALD_E_INVALID_ARGUMENT', 'fromPosition');
      await expectError(() => collect(s.readAll({ category: '' })), 'HERALD_E_INVALID_ARGUMENT', 'category');
      await expectError(() => collect(s.readAll({ types: 'x' as unknown as string[] })), 'HERALD_E_INVALID_ARGUMENT', 'types');
    }));
  });
}
