import assert from 'node:assert/strict';
import { AsyncLocalStorage } from 'node:async_hooks';
import { describe, it } from 'node:test';
import { createEvent } from '../core/envelope.js';
import { HeraldError } from '../core/errors.js';
import type { Delivery } from '../log/types.js';
import { Fetcher, type FetcherOptions } from './fetcher.js';

const delivery = (position: number): Delivery => ({
  topic: 't', position, appendedAt: 0, event: createEvent({ type: 'x' }), group: 'g', attempt: 1, leaseId: 1, leaseUntil: 0,
});

/** A log whose fetches answer when the test says, and a subscription holding what they brought. */
function harness(overrides: Partial<FetcherOptions> = {}) {
  const pending: { max: number; answer: (d: Delivery[]) => void; fail: (e: unknown) => void }[] = [];
  let held = 0;
  let next = 1;
  let peak = 0;
  const fetcher = new Fetcher({
    maxInFlight: 100, maxFetches: 1, pollMs: 10_000,
    held: () => held,
    fetch: (max) => new Promise((answer, fail) => {
      pending.push({ max, answer, fail });
      const asked = pending.reduce((n, p) => n + p.max, 0);
      peak = Math.max(peak, held + asked);
    }),
    take: (ds) => { held += ds.length; },
    giveBack: () => undefined,
    onError: () => undefined,
    onClosed: () => undefined,
    ...overrides,
  });
  const answer = async (count: number): Promise<void> => {
    const p = pending.shift()!;
    p.answer(Array.from({ length: Math.min(count, p.max) }, () => delivery(next++)));
    await new Promise((r) => setImmediate(r));
  };
  return { fetcher, pending, answer, handled: (n: number) => { held -= n; fetcher.wake(); }, peak: () => peak, held: () => held };
}

describe('Fetcher', () => {
  it('asks for the free room once half is free, one fetch at a time, never past maxInFlight', async () => {
    const h = harness();
    h.fetcher.start();
    assert.deepEqual(h.pending.map((p) => p.max), [100]);
    await h.answer(100);
    h.handled(49);
    assert.equal(h.pending.length, 0, 'less than half free: no fetch');
    h.handled(1);
    assert.deepEqual(h.pending.map((p) => p.max), [50]);
    h.handled(50);
    assert.deepEqual(h.pending.map((p) => p.max), [50], 'not a second one while the first is out');
    await h.answer(50);
    assert.deepEqual(h.pending.map((p) => p.max), [50], 'the next as soon as it answered');
    await h.answer(50);
    assert.ok(h.peak() <= 100, `held + asked peaked at ${h.peak()}`);
    h.fetcher.stop();
    await h.fetcher.done;
  });

  it('with maxFetches 2 keeps a second fetch out for the room the first left, never past maxInFlight', async () => {
    const h = harness({ maxFetches: 2 });
    h.fetcher.start();
    assert.deepEqual(h.pending.map((p) => p.max), [100], 'the first asks for everything: no room left for a second');
    await h.answer(100);
    h.handled(50);
    assert.deepEqual(h.pending.map((p) => p.max), [50]);
    h.handled(50);
    assert.deepEqual(h.pending.map((p) => p.max), [50, 50], 'a second while the first is out');
    h.handled(0);
    assert.equal(h.pending.length, 2, 'never a third');
    await h.answer(50);
    await h.answer(50);
    assert.equal(h.held(), 100);
    assert.ok(h.peak() <= 100, `held + asked peaked at ${h.peak()}`);
    h.fetcher.stop();
    await h.fetcher.done;
  });

  it('after an empty answer waits for a wake (or pollMs) instead of asking again at once', async () => {
    const h = harness();
    h.fetcher.start();
    await h.answer(0);
    assert.equal(h.pending.length, 0);
    h.fetcher.wake();
    assert.equal(h.pending.length, 1, 'an append wakes it');
    h.fetcher.stop();
    await h.answer(0);
    await h.fetcher.done;
  });

  it('gives back what answers after stop, and is done once every fetch out has answered', async () => {
    const given: number[] = [];
    const h = harness({ giveBack: (ds) => given.push(...ds.map((d) => d.position)) });
    h.fetcher.start();
    h.fetcher.stop();
    let done = false;
    void h.fetcher.done.then(() => { done = true; });
    await new Promise((r) => setImmediate(r));
    assert.equal(done, false, 'a fetch is still out');
    await h.answer(3);
    assert.deepEqual(given, [1, 2, 3]);
    await new Promise((r) => setImmediate(r));
    assert.equal(done, true);
  });

  it('reports a failed fetch and stops on HERALD_E_CLOSED', async () => {
    const errors: unknown[] = [];
    let closed = false;
    const h = harness({ onError: (e) => errors.push(e), onClosed: () => { closed = true; } });
    h.fetcher.start();
    h.pending.shift()!.fail(new HeraldError('HERALD_E_UNAVAILABLE', 'down'));
    await new Promise((r) => setImmediate(r));
    assert.equal(errors.length, 1);
    assert.equal(h.pending.length, 0, 'a backoff before trying again');
    h.fetcher.wake();
    h.pending.shift()!.fail(new HeraldError('HERALD_E_CLOSED', 'closed'));
    await h.fetcher.done;
    assert.equal(closed, true);
  });

  it('runs fetches and what they start in its own async context, not in the waker\'s', async () => {
    const store = new AsyncLocalStorage<string>();
    const seen: (string | undefined)[] = [];
    const h = harness({ take: (ds) => { seen.push(store.getStore()); void ds; } });
    h.fetcher.start();
    await h.answer(0);
    store.run('inside a workflow step', () => h.fetcher.wake());
    await h.answer(1);
    assert.deepEqual(seen, [undefined, undefined]);
    h.fetcher.stop();
    while (h.pending.length > 0) await h.answer(0); // the fetch sent after the last answer
    await h.fetcher.done;
  });
});
