import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { check, describeResult, History, type AnomalyKind, type Seen } from './history.js';

const seen = (position: number, id: string, key = 'k'): Seen => ({ position, id, key });

/** Two sequential acked appends on key k (a@1, b@2), the base of most bad histories below. */
function twoAcked(): History {
  const h = new History();
  h.invoke('p0', 't', 'k', 'a');
  h.ok('a', 1);
  h.invoke('p0', 't', 'k', 'b');
  h.ok('b', 2);
  return h;
}

function kinds(h: History, options = {}): AnomalyKind[] {
  return check(h.ops, options).anomalies.map((a) => a.kind);
}

describe('history checker', () => {
  it('a clean history has no anomaly; unknown outcomes may appear once or not at all', () => {
    const h = twoAcked();
    h.invoke('p1', 't', 'j', 'c');
    h.info('c');
    h.invoke('p1', 't', 'j', 'd');
    h.fail('d');
    h.read('t', [seen(1, 'a'), seen(2, 'b'), seen(3, 'c', 'j')]);
    h.deliver('t', 'g', seen(1, 'a'));
    h.deliver('t', 'g', seen(2, 'b'));
    h.deliver('t', 'g', seen(2, 'b'));
    h.deliver('t', 'g', seen(3, 'c', 'j'));
    const result = check(h.ops, { contiguous: true });
    assert.deepEqual(result.anomalies, [], describeResult(result));
    assert.equal(result.counts.acked, 2);
    assert.equal(result.counts.failed, 1);
    assert.equal(result.counts.unknown, 1);
    assert.equal(result.counts.read, 3);
  });

  it('lost: an acked append that no read returns', () => {
    const h = twoAcked();
    h.read('t', [seen(1, 'a')]);
    assert.deepEqual(kinds(h), ['lost']);
  });

  it('lost: an acked append never delivered to a group that drained the log', () => {
    const h = twoAcked();
    h.read('t', [seen(1, 'a'), seen(2, 'b')]);
    h.deliver('t', 'g', seen(1, 'a'));
    const result = check(h.ops);
    assert.deepEqual(result.anomalies.map((a) => [a.kind, a.group]), [['lost', 'g']]);
  });

  it('duplicate: one id stored at two positions, or read twice in one read', () => {
    const h = twoAcked();
    h.read('t', [seen(1, 'a'), seen(2, 'b'), seen(3, 'b')]);
    assert.deepEqual(kinds(h), ['duplicate']);
    const twice = twoAcked();
    twice.read('t', [seen(1, 'a'), seen(2, 'b'), seen(2, 'b')]);
    assert.deepEqual(kinds(twice), ['duplicate']);
  });

  it('duplicate: an effect that runs twice in an exactly-once group (allowed in at-least-once)', () => {
    const h = twoAcked();
    h.read('t', [seen(1, 'a'), seen(2, 'b')]);
    for (const group of ['exo', 'alo']) {
      h.deliver('t', group, seen(1, 'a'));
      h.deliver('t', group, seen(1, 'a'));
      h.deliver('t', group, seen(2, 'b'));
    }
    const result = check(h.ops, { exactlyOnceGroups: ['exo'] });
    assert.deepEqual(result.anomalies.map((a) => [a.kind, a.group]), [['duplicate', 'exo']]);
  });

  it('reordered: a key stored against the order its sequential publishes were acked in', () => {
    const h = new History();
    h.invoke('p0', 't', 'k', 'a');
    h.ok('a', 2);
    h.invoke('p0', 't', 'k', 'b');
    h.ok('b', 1);
    h.read('t', [seen(1, 'b'), seen(2, 'a')]);
    assert.deepEqual(kinds(h), ['reordered']);
  });

  it('not reordered: concurrent publishes of one key may land in either order', () => {
    const h = new History();
    h.invoke('p0', 't', 'k', 'a');
    h.invoke('p1', 't', 'k', 'b');
    h.ok('b', 1);
    h.ok('a', 2);
    h.read('t', [seen(1, 'b'), seen(2, 'a')]);
    assert.deepEqual(kinds(h), []);
  });

  it('reordered: a group handed a key out of log order', () => {
    const h = twoAcked();
    h.read('t', [seen(1, 'a'), seen(2, 'b')]);
    h.deliver('t', 'g', seen(2, 'b'));
    h.deliver('t', 'g', seen(1, 'a'));
    assert.deepEqual(check(h.ops).anomalies.map((a) => [a.kind, a.group]), [['reordered', 'g']]);
  });

  it('inconsistent position: one position holds two ids', () => {
    const h = twoAcked();
    h.read('t', [seen(1, 'a'), seen(2, 'b')]);
    h.read('t', [seen(1, 'a'), seen(2, 'x')]);
    assert.deepEqual(kinds(h), ['inconsistent-position']);
  });

  it('aborted read: a publish that definitely failed is visible', () => {
    const h = twoAcked();
    h.invoke('p0', 't', 'k', 'c');
    h.fail('c');
    h.read('t', [seen(1, 'a'), seen(2, 'b'), seen(3, 'c')]);
    assert.deepEqual(kinds(h), ['aborted-read']);
  });

  it('skip: a consumer passed over a visible event', () => {
    const h = twoAcked();
    h.invoke('p1', 't', 'j', 'c');
    h.ok('c', 3);
    h.read('t', [seen(1, 'a'), seen(2, 'b'), seen(3, 'c', 'j')]);
    h.deliver('t', 'g', seen(1, 'a'));
    h.deliver('t', 'g', seen(3, 'c', 'j'));
    assert.deepEqual(check(h.ops).anomalies.map((a) => [a.kind, a.group]), [['skip', 'g']]);
  });

  it('gap: positions not contiguous, reported only where contiguity is claimed', () => {
    const h = new History();
    h.invoke('p0', 't', 'k', 'a');
    h.ok('a', 1);
    h.invoke('p0', 't', 'k', 'b');
    h.ok('b', 3);
    h.read('t', [seen(1, 'a'), seen(3, 'b')]);
    assert.deepEqual(kinds(h, { contiguous: true }), ['gap']);
    assert.deepEqual(kinds(h, { contiguous: false }), []);
  });

  it('topics are checked apart: the same position on two topics is no conflict', () => {
    const h = new History();
    h.invoke('p0', 't', 'k', 'a');
    h.ok('a', 1);
    h.invoke('p0', 'u', 'k', 'b');
    h.ok('b', 1);
    h.read('t', [seen(1, 'a')]);
    h.read('u', [seen(1, 'b')]);
    assert.deepEqual(kinds(h, { contiguous: true }), []);
  });

  it('an ack without a position (an outbox commit) is placed by the reads: lost, reordered and duplicate still apply', () => {
    const h = new History();
    for (const id of ['a', 'b', 'c']) {
      h.invoke('p0', 't', 'k', id);
      h.ok(id);
    }
    h.read('t', [seen(1, 'a'), seen(2, 'b'), seen(3, 'c')]);
    assert.deepEqual(kinds(h, { contiguous: true }), []);
    const bad = new History();
    for (const id of ['a', 'b', 'c']) {
      bad.invoke('p0', 't', 'k', id);
      bad.ok(id);
    }
    bad.read('t', [seen(1, 'b'), seen(2, 'a'), seen(3, 'b')]);
    assert.deepEqual(kinds(bad).sort(), ['duplicate', 'lost', 'reordered']);
  });

  it('a long history is checked without a quadratic blow-up or a stack overflow (200,000 appends on one key)', () => {
    const h = new History();
    const events: Seen[] = [];
    for (let n = 1; n <= 200_000; n++) {
      h.invoke('p0', 't', 'k', `e${n}`);
      h.ok(`e${n}`, n);
      events.push(seen(n, `e${n}`));
      h.deliver('t', 'g', seen(n, `e${n}`));
    }
    h.read('t', events);
    const result = check(h.ops, { contiguous: true, exactlyOnceGroups: ['g'] });
    assert.deepEqual(result.anomalies, []);
    assert.equal(result.counts.acked, 200_000);
  });

  it('refuses a malformed history: completion without invoke, double invoke', () => {
    const h = new History();
    assert.throws(() => h.ok('nope', 1), /without an invoke/);
    h.invoke('p0', 't', 'k', 'a');
    assert.throws(() => h.invoke('p0', 't', 'k', 'a'), /invoked twice/);
    h.infoAllOpen();
    assert.equal(check(h.ops).counts.unknown, 1);
  });
});
