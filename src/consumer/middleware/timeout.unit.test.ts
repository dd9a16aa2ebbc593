import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { describe, it } from 'node:test';
import { createEvent } from '../../core/envelope.js';
import type { HandlerContext } from '../types.js';
import { timeout } from './timeout.js';

describe('timeout middleware', () => {
  it('the timeout middleware releases its link after each attempt (no growth per handled event)', async () => {
    const subscription = new AbortController();
    const run = timeout(1_000)(async () => undefined);
    const ctx = { signal: subscription.signal } as unknown as HandlerContext;
    for (let i = 0; i < 1_000; i++) await run(createEvent({ type: 't', data: i }), ctx);
    assert.equal(getEventListeners(subscription.signal, 'abort').length, 0);
  });
});
