import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createEvent } from '../../core/envelope.js';
import { LeaseBook, type Arrival } from './lease-book.js';
import { redactUrl, resolveNatsOptions } from './options.js';

const arrival = (position: number, key?: string, delivered = 1): Arrival => {
  const event = createEvent({ type: 'x.y', data: { position }, ...(key ? { key } : {}) });
  return {
    position, source: 'm', seq: position, delivered, reply: `$JS.ACK.s.g.${delivered}.${position}.${position}.0.0`,
    stored: { topic: 't', position, appendedAt: 0, event: JSON.parse(JSON.stringify(event)) as typeof event },
    payload: new TextEncoder().encode(JSON.stringify(event)), attempts: delivered - 1, recorded: false,
  };
};

describe('nats lease book', () => {
  it('fences settlements by lease id; an expired lease is taken over locally with attempt + 1', () => {
    const book = new LeaseBook('t', 'g');
    const first = book.takeAvailable(0, 10, 1, 100);
    book.arrive(arrival(1), 0, first, 10);
    assert.deepEqual(first.out.map((d) => [d.position, d.attempt, d.leaseId]), [[1, 1, 1]]);
    assert.deepEqual(book.takeAvailable(50, 10, 2, 150).out, [], 'held until its lease ends');
    const second = book.takeAvailable(100, 10, 3, 200);
    assert.deepEqual(second.out.map((d) => [d.position, d.attempt, d.leaseId]), [[1, 2, 3]]);
    assert.equal(book.settle({ kind: 'ack', position: 1, leaseId: 1 }, 101).outcome, 'stale');
    const ack = book.settle({ kind: 'ack', position: 1, leaseId: 3 }, 101);
    assert.equal(ack.outcome, 'ok');
    assert.equal(ack.effect?.kind, 'ack');
    assert.equal(book.size, 0);
  });

  it('a later lease hands out a fresh copy of the event, untouched by what an earlier handler changed', () => {
    const book = new LeaseBook('t', 'g');
    const first = book.takeAvailable(0, 10, 1, 100);
    book.arrive(arrival(1), 0, first, 10);
    const handed = first.out[0]!;
    (handed.event.data as { position: number }).position = 99;
    handed.event.type = 'changed';
    assert.equal(book.settle({ kind: 'release', position: 1, leaseId: 1 }, 10).outcome, 'ok');
    const again = book.takeAvailable(10, 10, 2, 110).out[0]!;
    assert.notEqual(again.event, handed.event);
    assert.deepEqual([again.event.type, again.event.data], ['x.y', { position: 1 }]);
  });

  it('a release counts no attempt; a nack waits its delay and asks for a record', () => {
    const book = new LeaseBook('t', 'g');
    const f = book.takeAvailable(0, 10, 1, 1000);
    book.arrive(arrival(1, 'k'), 0, f, 10);
    book.arrive(arrival(2, 'k'), 0, f, 10);
    assert.equal(book.settle({ kind: 'nack', position: 1, leaseId: 1, delayMs: 50, error: { message: 'boom' } }, 10).effect?.kind, 'record');
    assert.equal(book.settle({ kind: 'release', position: 2, leaseId: 1 }, 10).outcome, 'ok');
    assert.deepEqual(book.takeAvailable(20, 10, 2, 1000).out, [], 'key k waits behind its retry');
    const retry = book.takeAvailable(60, 10, 3, 1000).out;
    assert.deepEqual(retry.map((d) => [d.position, d.attempt, d.lastError?.message]), [[1, 2, 'boom'], [2, 1, undefined]]);
  });

  it('a new arrival of a key held here is parked, not handed out', () => {
    const book = new LeaseBook('t', 'g');
    const f = book.takeAvailable(0, 1, 1, 1000);
    book.arrive(arrival(1, 'k'), 0, f, 1);
    const g = book.takeAvailable(0, 10, 2, 1000);
    book.arrive(arrival(2, 'k'), 0, g, 10);
    book.arrive(arrival(3, 'j'), 0, g, 10);
    assert.deepEqual(g.out.map((d) => d.position), [3]);
    assert.equal(g.parked, 1);
  });

  it('behind a barrier (a group just taken over), later stream messages wait until it is lifted, then go in key order', () => {
    const book = new LeaseBook('t', 'g');
    book.barrier = 2;
    const f = book.takeAvailable(0, 10, 1, 1000);
    for (const [p, k] of [[1, 'k'], [2, 'j'], [3, 'k'], [4, undefined]] as const) book.arrive(arrival(p, k), 0, f, 10);
    assert.deepEqual(f.out.map((d) => d.position), [1, 2], 'the previous holder\'s events go out; 3 and 4 wait');
    assert.equal(f.parked, 2);
    assert.deepEqual(book.takeAvailable(10, 10, 2, 1000).out, [], 'still waiting');
    assert.ok(!book.idle(1e9, 100).some((e) => e.position > 2), 'waiting ones are never idle');
    book.lift(20);
    assert.deepEqual(book.takeAvailable(30, 10, 3, 1000).out.map((d) => d.position), [4], 'key k waits for position 1, still leased');
    assert.equal(book.settle({ kind: 'ack', position: 1, leaseId: 1 }, 40).outcome, 'ok');
    assert.deepEqual(book.takeAvailable(50, 10, 4, 1000).out.map((d) => d.position), [3]);
  });

  it('idle entries are handed back unless their key is busy here', () => {
    const book = new LeaseBook('t', 'g');
    const f = book.takeAvailable(0, 1, 1, 1000);
    book.arrive(arrival(1, 'k'), 0, f, 1);
    book.arrive(arrival(2, 'k'), 0, f, 1);
    book.arrive(arrival(3), 0, f, 1);
    assert.deepEqual(book.idle(500, 100).map((e) => e.position), [3], 'position 2 waits behind the held position 1');
    assert.deepEqual(book.idle(2000, 100).map((e) => e.position).sort(), [1, 2], 'once the lease ran out too, both go back');
  });
});

describe('nats options', () => {
  it('validates every option, naming the field, and never echoes a secret', () => {
    for (const [options, field] of [
      [{ prefix: 'a_b' }, 'prefix'], [{ replicas: 0 }, 'replicas'], [{ ackWaitMs: 10 }, 'ackWaitMs'], [{ servers: [] }, 'servers'],
      [{ duplicateWindowMs: 1.5 }, 'duplicateWindowMs'], [{ pass: '' }, 'pass'], [{ maxAckPending: 0 }, 'maxAckPending'],
      [{ pingIntervalMs: 100 }, 'pingIntervalMs'], [{ maxPingOut: 0 }, 'maxPingOut'], [{ exclusiveGroups: 'yes' as unknown as boolean }, 'exclusiveGroups'],
    ] as const) {
      assert.throws(() => resolveNatsOptions(options), (e: Error & { code?: string; details?: { field?: string } }) => e.code === 'HERALD_E_INVALID_ARGUMENT' && e.details?.field === field, field);
    }
    assert.equal(resolveNatsOptions().prefix, 'herald');
    const { pingIntervalMs, maxPingOut } = resolveNatsOptions();
    assert.deepEqual({ pingIntervalMs, maxPingOut }, { pingIntervalMs: 5000, maxPingOut: 2 }, 'a dead connection is noticed in ~10-15 s');
    assert.equal(redactUrl('nats://user:secret@host:4222'), 'nats://***@host:4222');
  });
});
