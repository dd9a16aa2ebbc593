import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { scanBackwards, scanForwards, windowEnd, type WindowScan } from './scan-window.js';

/** A table of keys (gaps allowed); records every page asked for. */
function table(keys: number[], size: number, filtered = false): WindowScan<number> & { asked: [number, number, number][] } {
  const asked: [number, number, number][] = [];
  return {
    size, filtered, asked, keyOf: (k) => k,
    page: async (lo, hi, room) => {
      asked.push([lo, hi, room]);
      return keys.filter((k) => k >= lo && k <= hi).slice(0, room);
    },
  };
}
const all = async (rows: AsyncIterable<number>): Promise<number[]> => { const out: number[] = []; for await (const r of rows) out.push(r); return out; };
const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('scan windows', () => {
  it('forwards: every key once, in order, each page within a window of four pages', async () => {
    const keys = range(1, 1000).filter((k) => k % 7 !== 0);
    const t = table(keys, 10);
    assert.deepEqual(await all(scanForwards(t, 1, Infinity, async () => 1000)), keys);
    for (const [lo, hi, room] of t.asked) assert.ok(hi - lo + 1 <= 4 * room, `page ${lo}..${hi} for ${room} rows`);
  });

  it('forwards: crosses empty windows (a gap, or a filter) to what lies beyond', async () => {
    assert.deepEqual(await all(scanForwards(table([3, 900, 950], 10), 1, Infinity, async () => 1000)), [3, 900, 950]);
    const filtered = table([3, 900], 10, true);
    assert.deepEqual(await all(scanForwards(filtered, 1, Infinity, async () => 1000)), [3, 900]);
    assert.ok(filtered.asked.length <= 3, 'a filtered scan looks at 64 pages per window');
  });

  it('forwards: follows the table while it grows, ends once the last key did not move', async () => {
    const keys = range(1, 30);
    const lasts = [20, 30, 30];
    const t = table(keys, 8);
    assert.deepEqual(await all(scanForwards(t, 1, Infinity, async () => lasts.shift() ?? 30)), keys);
    assert.deepEqual(lasts, [], 'asked for the last key again on reaching it');
  });

  it('forwards: stops at the limit; starts where asked', async () => {
    assert.deepEqual(await all(scanForwards(table(range(1, 100), 8), 40, 5, async () => 100)), [40, 41, 42, 43, 44]);
  });

  it('backwards: from a key down to the first, within windows', async () => {
    const keys = range(1, 200).filter((k) => k % 5 !== 0);
    const t = table(keys, 6);
    t.page = async (lo, hi, room) => {
      t.asked.push([lo, hi, room]);
      return keys.filter((k) => k >= lo && k <= hi).reverse().slice(0, room);
    };
    assert.deepEqual(await all(scanBackwards(t, 200, 1, Infinity)), [...keys].reverse());
    assert.deepEqual(await all(scanBackwards(t, 200, 150, 3)), [199, 198, 197]);
    for (const [lo, hi] of t.asked) assert.ok(hi - lo + 1 <= 24, `page ${lo}..${hi}`);
  });

  it('windowEnd stops at the last key', () => {
    assert.equal(windowEnd(1, 256, 40_000), 1024);
    assert.equal(windowEnd(39_900, 256, 40_000), 40_000);
  });
});
