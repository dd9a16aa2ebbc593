import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isTransactional } from '../../src/log/types.js';
import { ack, expectError, fetch, makeEvents, timing, withLog, type ConformanceTarget } from './helpers.js';

/** Leases fence late settlements; nack(delay), lease expiry, release and extend. */
export function leaseSuite(target: ConformanceTarget): void {
  const time = timing(target);
  const lease = time.shortLease;
  describe(`${target.name}: leases and retries`, () => {
    it('nack with a delay redelivers after the delay, with attempt + 1 and lastError', withLog(target, [], async (log) => {
      await log.append('orders', makeEvents(1));
      const [d] = await fetch(log, 'orders', 'g');
      const error = { message: 'payment service down', name: 'Error', code: 'E_DOWN' };
      const delayMs = lease;
      assert.deepEqual(await log.settle('orders', 'g', [{ kind: 'nack', position: d!.position, leaseId: d!.leaseId, delayMs, error }]), ['ok']);
      assert.deepEqual(await fetch(log, 'orders', 'g'), [], 'not before the delay');
      if (time.fake) {
        await time.advance(delayMs - 1);
        assert.deepEqual(await fetch(log, 'orders', 'g'), [], 'not 1 ms before the delay');
        await time.advance(1);
      } else {
        await time.advance(delayMs);
      }
      const [again] = await fetch(log, 'orders', 'g');
      assert.equal(again?.position, d!.position);
      assert.equal(again.attempt, 2);
      assert.deepEqual(again.lastError, error);
      assert.notEqual(again.leaseId, d!.leaseId);
      await ack(log, 'orders', 'g', [again]);
    }));

    it('nack with delay 0 redelivers at once; each nack counts an attempt', withLog(target, [], async (log) => {
      await log.append('orders', makeEvents(1));
      let [d] = await fetch(log, 'orders', 'g');
      for (let attempt = 1; attempt <= 3; attempt++) {
        assert.equal(d?.attempt, attempt);
        await log.settle('orders', 'g', [{ kind: 'nack', position: d.position, leaseId: d.leaseId, delayMs: 0, error: { message: `fail ${attempt}` } }]);
        [d] = await fetch(log, 'orders', 'g');
      }
      assert.equal(d?.attempt, 4);
      assert.equal(d.lastError?.message, 'fail 3', 'lastError is the latest failure');
    }));

    it('an expired lease redelivers with attempt + 1, and the old lease\'s ack is stale', withLog(target, [], async (log) => {
      await log.append('orders', makeEvents(1));
      const [first] = await fetch(log, 'orders', 'g', { leaseMs: lease });
      assert.deepEqual(await fetch(log, 'orders', 'g', { leaseMs: lease }), [], 'nobody else gets it while the lease holds');
      await time.advance(lease);
      const [second] = await fetch(log, 'orders', 'g', { leaseMs: lease });
      assert.equal(second?.position, first!.position);
      assert.equal(second.attempt, 2, 'an expiry counts as an attempt');
      assert.notEqual(second.leaseId, first!.leaseId);
      assert.deepEqual(await log.settle('orders', 'g', [{ kind: 'ack', position: first!.position, leaseId: first!.leaseId }]), ['stale']);
      assert.deepEqual(await log.settle('orders', 'g', [{ kind: 'ack', position: second.position, leaseId: second.leaseId }]), ['ok']);
      await time.advance(lease);
      assert.deepEqual(await fetch(log, 'orders', 'g'), []);
    }));

    it('release gives the event back at once and counts no attempt', withLog(target, [], async (log) => {
      await log.append('orders', makeEvents(1));
      const [d] = await fetch(log, 'orders', 'g');
      assert.deepEqual(await log.settle('orders', 'g', [{ kind: 'release', position: d!.position, leaseId: d!.leaseId }]), ['ok']);
      const [again] = await fetch(log, 'orders', 'g');
      assert.equal(again?.attempt, 1, 'a release is not an attempt');
      await log.settle('orders', 'g', [{ kind: 'nack', position: again.position, leaseId: again.leaseId, delayMs: 0, error: { message: 'x' } }]);
      const [third] = await fetch(log, 'orders', 'g');
      assert.equal(third?.attempt, 2);
      await log.settle('orders', 'g', [{ kind: 'release', position: third.position, leaseId: third.leaseId }]);
      const [fourth] = await fetch(log, 'orders', 'g');
      assert.equal(fourth?.attempt, 2);
      assert.equal(fourth.lastError?.message, 'x', 'a release keeps the last failure');
    }));

    it('extend keeps the lease past its first expiry', withLog(target, [], async (log) => {
      await log.append('orders', makeEvents(1));
      const [d] = await fetch(log, 'orders', 'g', { leaseMs: lease });
      await time.advance(Math.floor(lease * 0.6));
      assert.deepEqual(await log.settle('orders', 'g', [{ kind: 'extend', position: d!.position, leaseId: d!.leaseId, leaseMs: lease }]), ['ok']);
      await time.advance(Math.floor(lease * 0.6));
      assert.deepEqual(await fetch(log, 'orders', 'g', { leaseMs: lease }), [], 'still leased after the original expiry');
      assert.deepEqual(await log.settle('orders', 'g', [{ kind: 'ack', position: d!.position, leaseId: d!.leaseId }]), ['ok']);
    }));

    it('every kind of settlement with a lease that was taken over is stale and changes nothing', withLog(target, [], async (log) => {
      await log.append('orders', makeEvents(1));
      const [old] = await fetch(log, 'orders', 'g', { leaseMs: lease });
      await time.advance(lease);
      const [current] = await fetch(log, 'orders', 'g', { leaseMs: lease * 4 });
      const p = old!.position;
      const outcomes = await log.settle('orders', 'g', [
        { kind: 'nack', position: p, leaseId: old!.leaseId, delayMs: 0 },
        { kind: 'release', position: p, leaseId: old!.leaseId },
        { kind: 'extend', position: p, leaseId: old!.leaseId, leaseMs: lease },
        { kind: 'ack', position: p, leaseId: old!.leaseId },
      ]);
      assert.deepEqual(outcomes, ['stale', 'stale', 'stale', 'stale']);
      assert.deepEqual(await fetch(log, 'orders', 'g'), [], 'the current holder keeps the event');
      assert.deepEqual(await log.settle('orders', 'g', [{ kind: 'ack', position: p, leaseId: current!.leaseId }]), ['ok']);
    }));

    it('ackWith commits the handler\'s work and the ack together', withLog(target, ['transactionalAck'], async (log) => {
      assert.ok(isTransactional(log), 'a log declaring transactionalAck implements ackWith');
      await log.append('orders', makeEvents(2));
      const [a, b] = await fetch(log, 'orders', 'g', { leaseMs: lease });
      assert.equal(log.ackWith(a!, () => 42), 42);
      assert.throws(() => log.ackWith(b!, () => { throw new Error('handler failed'); }), /handler failed/);
      const [info] = await log.groups('orders');
      assert.equal(info?.pending, 1, 'a failed handler leaves its event unacked');
      await time.advance(lease);
      const [again] = await fetch(log, 'orders', 'g', { leaseMs: lease });
      assert.equal(again?.position, b!.position);
      await expectError(() => log.ackWith(b!, () => 1), 'HERALD_E_STALE_LEASE');
      log.ackWith(again, () => undefined);
      assert.equal((await log.groups('orders'))[0]?.lag, 0);
    }));
  });
}
