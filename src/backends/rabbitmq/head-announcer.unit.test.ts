import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HeadAnnouncer } from './head-announcer.js';

/** An announcer whose proposals are applied when the test says. */
function harness() {
  let announced = 0;
  const proposals: Array<{ head: number; apply: () => void; fail: (e: unknown) => void }> = [];
  const announcer = new HeadAnnouncer((head) => new Promise((resolve, reject) => {
    proposals.push({ head, apply: () => { announced = Math.max(announced, head); resolve(undefined); }, fail: reject });
  }), () => announced);
  const settled = (p: Promise<void>): Promise<string> => Promise.race([p.then(() => 'resolved', () => 'rejected'), new Promise<string>((r) => setImmediate(() => r('pending')))]);
  return { announcer, proposals, settled, raise: (head: number) => { announced = head; } };
}

describe('HeadAnnouncer', () => {
  it('has one announce out; the heads that come meanwhile share the next, at their highest', async () => {
    const h = harness();
    const first = h.announcer.announce(3);
    const second = h.announcer.announce(7);
    const third = h.announcer.announce(5);
    assert.deepEqual(h.proposals.map((p) => p.head), [3]);
    assert.equal(await h.settled(first), 'pending');
    h.proposals[0]!.apply();
    assert.equal(await h.settled(first), 'resolved');
    assert.equal(await h.settled(second), 'pending', 'not before its own head is announced');
    assert.deepEqual(h.proposals.map((p) => p.head), [3, 7]);
    h.proposals[1]!.apply();
    assert.deepEqual(await Promise.all([h.settled(second), h.settled(third)]), ['resolved', 'resolved']);
    assert.equal(h.proposals.length, 2);
  });

  it('needs no announce for a head already announced, also by someone else meanwhile', async () => {
    const h = harness();
    h.raise(10);
    assert.equal(await h.settled(h.announcer.announce(9)), 'resolved');
    assert.equal(h.proposals.length, 0);
    const a = h.announcer.announce(11);
    const b = h.announcer.announce(12);
    h.raise(12); // a fetch command carrying head 12 was applied while the first announce was out
    h.proposals[0]!.apply();
    assert.deepEqual(await Promise.all([h.settled(a), h.settled(b)]), ['resolved', 'resolved']);
    assert.equal(h.proposals.length, 1, 'head 12 was announced already');
  });

  it('fails the appends whose announce failed, and announces again for the next', async () => {
    const h = harness();
    const a = h.announcer.announce(4);
    const b = h.announcer.announce(6);
    h.proposals[0]!.fail(new Error('channel closed'));
    await assert.rejects(a, /channel closed/);
    assert.equal(await h.settled(b), 'pending');
    h.proposals[1]!.fail(new Error('channel closed'));
    await assert.rejects(b, /channel closed/);
    const c = h.announcer.announce(6);
    assert.deepEqual(h.proposals.map((p) => p.head), [4, 6, 6]);
    h.proposals[2]!.apply();
    assert.equal(await h.settled(c), 'resolved');
  });
});
