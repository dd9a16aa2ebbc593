import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OwnAppends } from './own-appends.js';

describe('OwnAppends', () => {
  it('counts what this process appended beyond what the group delivered here', () => {
    const own = new OwnAppends();
    assert.equal(own.unseen('s', 'g'), 0, 'nothing appended');
    own.noteAppended('s', 5);
    own.noteDelivered('s', 'g', 2);
    assert.equal(own.unseen('s', 'g'), 3);
    assert.equal(own.unseen('s', 'other'), 5, 'per group');
    assert.equal(own.unseen('t', 'g'), 0, 'per stream');
  });

  it('answers once per append, so an empty fetch waits at most once for it', () => {
    const own = new OwnAppends();
    own.noteAppended('s', 5);
    assert.equal(own.unseen('s', 'g'), 5);
    assert.equal(own.unseen('s', 'g'), 0, 'asked already (another process may have consumed them)');
    own.noteAppended('s', 7);
    assert.equal(own.unseen('s', 'g'), 7);
  });

  it('is 0 once the group delivered the appended events here', () => {
    const own = new OwnAppends();
    own.noteAppended('s', 5);
    own.noteAppended('s', 3);
    own.noteDelivered('s', 'g', 5);
    assert.equal(own.unseen('s', 'g'), 0);
  });

  it('forgets a group and a stream', () => {
    const own = new OwnAppends();
    own.noteAppended('s', 5);
    own.noteDelivered('s', 'g', 5);
    own.forget('s', 'g');
    assert.equal(own.unseen('s', 'g'), 5, 'a forgotten group starts over');
    own.forgetStream('s');
    assert.equal(own.unseen('s', 'h'), 0, 'a forgotten stream has no appends');
  });
});
