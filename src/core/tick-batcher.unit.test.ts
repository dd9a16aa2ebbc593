import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TickBatcher } from './tick-batcher.js';

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('TickBatcher', () => {
  it('sends what one turn of the event loop adds as one batch, and batches in order', async () => {
    const sent: number[][] = [];
    const b = new TickBatcher<number>(async (batch) => { sent.push(batch); }, 100);
    for (let i = 0; i < 5; i++) b.add(i);
    assert.deepEqual(sent, [], 'nothing is sent in the same turn');
    await tick();
    await b.flush();
    b.add(5);
    b.add(6);
    await b.flush();
    assert.deepEqual(sent, [[0, 1, 2, 3, 4], [5, 6]]);
  });

  it('sends at once when maxBatch items wait, one batch after the other finished', async () => {
    const sent: number[][] = [];
    let running = 0;
    let overlapped = false;
    const b = new TickBatcher<number>(async (batch) => {
      overlapped ||= running > 0;
      running++;
      await tick();
      sent.push(batch);
      running--;
    }, 3);
    for (let i = 0; i < 7; i++) b.add(i);
    await b.flush();
    assert.deepEqual(sent, [[0, 1, 2], [3, 4, 5], [6]]);
    assert.equal(overlapped, false, 'batches never overlap');
  });

  it('flush resolves only when everything added before it was sent, and with nothing waiting at once', async () => {
    const b = new TickBatcher<string>(async () => { await tick(); }, 10);
    await b.flush();
    let done = false;
    b.add('a');
    const flushed = b.flush().then(() => { done = true; });
    assert.equal(done, false);
    await flushed;
    assert.equal(done, true);
  });
});
