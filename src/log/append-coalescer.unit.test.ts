import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createEvent, type CloudEvent } from '../core/envelope.js';
import { HeraldError } from '../core/errors.js';
import { AppendCoalescer } from './append-coalescer.js';
import type { AppendReceipt } from './types.js';

/** A backend that numbers events per topic, skips known ids, and records each write it was given. */
function backend(fail?: (events: readonly CloudEvent[]) => Error | undefined) {
  const writes: string[][] = [];
  const ids = new Map<string, number>();
  let head = 0;
  const write = async (topic: string, events: readonly CloudEvent[]): Promise<AppendReceipt[]> => {
    await new Promise((r) => setTimeout(r, 5));
    writes.push(events.map((e) => e.id));
    const error = fail?.(events);
    if (error) throw error;
    return events.map((e) => {
      const known = ids.get(e.id);
      if (known !== undefined) return { topic, id: e.id, position: known, appendedAt: 1, duplicate: true };
      ids.set(e.id, ++head);
      return { topic, id: e.id, position: head, appendedAt: 1, duplicate: false };
    });
  };
  return { writes, write };
}

const ev = (id: string): CloudEvent => createEvent({ type: 't', id });

describe('AppendCoalescer', () => {
  it('sends the calls of one turn as one write, in call order, and splits the receipts back', async () => {
    const b = backend();
    const c = new AppendCoalescer(b.write);
    const calls = [c.append('t', [ev('a'), ev('b')]), c.append('t', [ev('c')]), c.append('t', [ev('d'), ev('e')])];
    const receipts = await Promise.all(calls);
    assert.deepEqual(b.writes, [['a', 'b', 'c', 'd', 'e']]);
    assert.deepEqual(receipts.map((r) => r.map((x) => x.position)), [[1, 2], [3], [4, 5]]);
  });

  it('gathers what arrives while a write is in flight into the next one; one write per topic at a time', async () => {
    const b = backend();
    const c = new AppendCoalescer(b.write);
    const first = c.append('t', [ev('a')]);
    await new Promise((r) => setTimeout(r, 1)); // the first write is out
    const later = [c.append('t', [ev('b')]), c.append('t', [ev('c')])];
    await Promise.all([first, ...later]);
    assert.deepEqual(b.writes, [['a'], ['b', 'c']]);
  });

  it('keeps an id repeated across merged calls a duplicate of the first, as if sent one after another', async () => {
    const c = new AppendCoalescer(backend().write);
    const [x, y] = await Promise.all([c.append('t', [ev('a')]), c.append('t', [ev('a'), ev('b')])]);
    assert.deepEqual(x, [{ topic: 't', id: 'a', position: 1, appendedAt: 1, duplicate: false }]);
    assert.deepEqual(y.map((r) => [r.position, r.duplicate]), [[1, true], [2, false]]);
  });

  it('caps a merged write at maxEvents, but never splits one call', async () => {
    const b = backend();
    const c = new AppendCoalescer(b.write, 3);
    await Promise.all([c.append('t', [ev('a'), ev('b')]), c.append('t', [ev('c'), ev('d')]), c.append('t', [ev('e'), ev('f'), ev('g'), ev('h')])]);
    assert.deepEqual(b.writes, [['a', 'b'], ['c', 'd'], ['e', 'f', 'g', 'h']]);
  });

  it('writes each call alone when a merged write fails, so one bad call fails alone', async () => {
    const b = backend((events) => (events.some((e) => e.id === 'bad') ? new HeraldError('HERALD_E_INVALID_EVENT', 'bad event') : undefined));
    const c = new AppendCoalescer(b.write);
    const results = await Promise.allSettled([c.append('t', [ev('a')]), c.append('t', [ev('bad')]), c.append('t', [ev('c')])]);
    assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled']);
    assert.deepEqual(b.writes, [['a', 'bad', 'c'], ['a'], ['bad'], ['c']]);
  });

  it('fails every merged call when the backend is unreachable (no retry one by one)', async () => {
    const b = backend(() => new HeraldError('HERALD_E_UNAVAILABLE', 'down'));
    const c = new AppendCoalescer(b.write);
    const results = await Promise.allSettled([c.append('t', [ev('a')]), c.append('t', [ev('b')])]);
    assert.deepEqual(results.map((r) => r.status === 'rejected' && (r.reason as HeraldError).code), ['HERALD_E_UNAVAILABLE', 'HERALD_E_UNAVAILABLE']);
    assert.equal(b.writes.length, 1);
  });

  it('keeps topics apart: each has its own writes', async () => {
    const b = backend();
    const c = new AppendCoalescer(b.write);
    await Promise.all([c.append('x', [ev('a')]), c.append('y', [ev('b')]), c.append('x', [ev('c')])]);
    assert.deepEqual(b.writes.map((w) => w.join()).sort(), ['a,c', 'b']);
  });
});
