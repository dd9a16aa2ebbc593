import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryOverlay, type MemoryTables } from './projection-memory-tx.js';

describe('MemoryOverlay', () => {
  it('sees its own writes, leaves the base untouched until commit, then applies them', () => {
    const base: MemoryTables = new Map([['t', new Map<string, unknown>([['a', 1], ['b', 2]])]]);
    const tx = new MemoryOverlay(base);
    tx.set('t', 'c', 3);
    tx.delete('t', 'a');
    assert.equal(tx.get('t', 'c'), 3);
    assert.equal(tx.get('t', 'a'), undefined);
    assert.deepEqual(tx.entries('t'), [['b', 2], ['c', 3]]);
    assert.deepEqual([...base.get('t')!], [['a', 1], ['b', 2]], 'nothing reaches the base before commit');
    tx.commit();
    assert.deepEqual([...base.get('t')!], [['b', 2], ['c', 3]]);
  });

  it('copies values, so mutating what get returned changes nothing', () => {
    const base: MemoryTables = new Map();
    const tx = new MemoryOverlay(base);
    tx.set('t', 'k', { n: 1 });
    tx.get<{ n: number }>('t', 'k')!.n = 99;
    assert.deepEqual(tx.get('t', 'k'), { n: 1 });
  });

  it('drops a table, then writes after the drop start it afresh', () => {
    const base: MemoryTables = new Map([['t', new Map<string, unknown>([['a', 1]])]]);
    const tx = new MemoryOverlay(base);
    tx.dropTable('t');
    tx.set('t', 'z', 26);
    assert.deepEqual(tx.entries('t'), [['z', 26]]);
    tx.commit();
    assert.deepEqual([...base.get('t')!], [['z', 26]]);
  });

  it('rejects empty names and undefined values', () => {
    const tx = new MemoryOverlay(new Map());
    assert.throws(() => tx.set('', 'k', 1), { code: 'HERALD_E_INVALID_ARGUMENT' });
    assert.throws(() => tx.set('t', '', 1), { code: 'HERALD_E_INVALID_ARGUMENT' });
    assert.throws(() => tx.set('t', 'k', undefined), { code: 'HERALD_E_INVALID_ARGUMENT' });
  });
});
