import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RateLimiter, Slots } from './rate-limit.js';

describe('rate limits', () => {
  it('a token bucket allows a burst, refills at the rate, and names the wait', () => {
    let now = 0;
    const limiter = new RateLimiter({ perSecond: 10, burst: 3 }, () => now);
    assert.deepEqual([1, 2, 3].map(() => limiter.take('k').ok), [true, true, true]);
    const refused = limiter.take('k');
    assert.deepEqual(refused, { ok: false, retryAfterMs: 100 });
    assert.ok(limiter.take('other').ok, 'keys are independent');
    now = 100;
    assert.ok(limiter.take('k').ok);
    assert.ok(!limiter.take('k').ok);
    now = 10_000;
    assert.deepEqual([1, 2, 3, 4].map(() => limiter.take('k').ok), [true, true, true, false], 'never more than the burst');
  });

  it('keeps at most maxEntries buckets', () => {
    const limiter = new RateLimiter({ perSecond: 1, burst: 1, maxEntries: 2 }, () => 0);
    limiter.take('a'); limiter.take('b'); limiter.take('c');
    assert.ok(limiter.take('a').ok, 'a was forgotten');
  });

  it('slots cap concurrent holders per key; release is idempotent', () => {
    const slots = new Slots(2);
    const a = slots.acquire('k')!;
    const b = slots.acquire('k')!;
    assert.equal(slots.acquire('k'), undefined);
    a(); a();
    assert.equal(slots.count('k'), 1);
    assert.ok(slots.acquire('k'));
    b();
  });
});
