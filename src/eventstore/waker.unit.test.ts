import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Waker } from './waker.js';

describe('Waker', () => {
  it('a wake while nobody sleeps is kept for the next sleep', async () => {
    const waker = new Waker();
    waker.wake();
    const started = Date.now();
    await waker.sleep(10_000);
    assert.ok(Date.now() - started < 1_000);
  });

  it('a wake ends a sleep early; without one the sleep lasts its interval', async () => {
    const waker = new Waker();
    let woken = false;
    const sleeping = waker.sleep(10_000).then(() => { woken = true; });
    await new Promise((r) => setImmediate(r));
    assert.equal(woken, false);
    waker.wake();
    await sleeping;
    assert.equal(woken, true);
    const started = Date.now();
    await waker.sleep(30);
    assert.ok(Date.now() - started >= 25, 'slept through its interval');
  });
});
