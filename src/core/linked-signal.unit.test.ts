import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { describe, it } from 'node:test';
import { linkedSignal } from './linked-signal.js';

describe('linkedSignal', () => {
  it('follows its parent, aborts on its own, and leaves nothing registered on the parent', () => {
    const parent = new AbortController();
    const a = linkedSignal(parent.signal);
    const b = linkedSignal(parent.signal);
    assert.equal(getEventListeners(parent.signal, 'abort').length, 2);
    a.abort(new Error('own'));
    assert.equal(a.signal.aborted, true);
    assert.equal((a.signal.reason as Error).message, 'own');
    assert.equal(parent.signal.aborted, false);
    assert.equal(getEventListeners(parent.signal, 'abort').length, 1);
    parent.abort(new Error('parent'));
    assert.equal((b.signal.reason as Error).message, 'parent');
    const late = linkedSignal(parent.signal);
    assert.equal(late.signal.aborted, true, 'a parent already aborted aborts at once');
  });
});
