import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CloudEvent } from '../../src/core/envelope.js';
import { deadLetter, listDeadLetters, redriveDeadLetter } from '../../src/log/dead-letters.js';
import { deadLetterTopic } from '../../src/log/names.js';
import {
  ack, collect, consumeAll, dataOf, fetch, keyed, makeEvents, positions, withLog, type ConformanceTarget,
} from './helpers.js';

/** The primitives dead letters are built on: requeue to one group, deleteEvent, and DLQ topics as plain topics. */
export function deadLetterSuite(target: ConformanceTarget): void {
  describe(`${target.name}: dead-letter and requeue primitives`, () => {
    it('requeue hands an (edited) event to one group only, as a fresh first attempt', withLog(target, [], async (log) => {
      const events = makeEvents(3);
      await log.append('orders', events);
      await consumeAll(log, 'orders', 'a');
      await consumeAll(log, 'orders', 'b');
      const [, second] = await collect(log.read('orders'));
      const edited: CloudEvent = { ...second!.event, data: { n: 100 }, subject: 'fixed' };
      await log.requeue('orders', 'a', edited, second!.position);
      const [d, ...more] = await fetch(log, 'orders', 'a');
      assert.deepEqual(more, []);
      assert.equal(d?.position, second!.position);
      assert.deepEqual(d.event, edited, 'the group gets the edited event');
      assert.equal(d.attempt, 1);
      assert.deepEqual(await fetch(log, 'orders', 'b'), [], 'other groups are not affected');
      const groups = await log.groups('orders');
      assert.deepEqual(groups.map((g) => [g.group, g.pending]).sort(), [['a', 1], ['b', 0]]);
      await ack(log, 'orders', 'a', [d]);
      assert.equal((await log.groups('orders'))[0]?.lag, 0);
      assert.deepEqual((await collect(log.read('orders')))[1]!.event, events[1], 'the stored event is unchanged');
    }));

    it('a requeued event that fails is retried like any other', withLog(target, [], async (log) => {
      await log.append('orders', [keyed('k', 0)]);
      const [d] = await consumeAll(log, 'orders', 'g');
      await log.requeue('orders', 'g', d!.event, d!.position);
      const [again] = await fetch(log, 'orders', 'g');
      await log.settle('orders', 'g', [{ kind: 'nack', position: again!.position, leaseId: again!.leaseId, delayMs: 0, error: { message: 'still bad' } }]);
      const [third] = await fetch(log, 'orders', 'g');
      assert.equal(third?.attempt, 2);
      assert.equal(third.lastError?.message, 'still bad');
      await ack(log, 'orders', 'g', [third]);
    }));

    it('deleteEvent removes one event; its position is never reused', withLog(target, [], async (log) => {
      const receipts = await log.append('orders', makeEvents(4));
      const p = positions(receipts);
      assert.equal(await log.deleteEvent('orders', p[1]!), true);
      assert.equal(await log.deleteEvent('orders', p[1]!), false, 'already gone');
      assert.equal(await log.deleteEvent('orders', p[3]! + 10), false, 'no such position');
      assert.equal(await log.deleteEvent('elsewhere', 1), false, 'no such topic');
      assert.deepEqual(dataOf(await collect(log.read('orders'))), [0, 2, 3]);
      const info = await log.topicInfo('orders');
      assert.equal(info?.count, 3);
      assert.equal(info.head, p[3]);
      assert.deepEqual(dataOf(await consumeAll(log, 'orders', 'g')), [0, 2, 3], 'a group skips the hole');
      const [next] = await log.append('orders', makeEvents(1, { start: 4 }));
      assert.ok(next!.position > p[3]!);
    }));

    it('a dead-letter topic is a topic: deadLetter, list and redrive work through the EventLog alone', withLog(target, [], async (log) => {
      await log.append('orders', [keyed('o-1', 0), keyed('o-2', 1)]);
      const [bad, good] = await fetch(log, 'orders', 'billing');
      await ack(log, 'orders', 'billing', [good!]);
      await deadLetter(log, bad!, { message: 'card declined', name: 'PaymentError' }, 'charge');
      const dlq = deadLetterTopic('orders', 'billing');
      assert.equal(dlq, 'orders.dlq.billing');
      const letters = await collect(listDeadLetters(log, dlq));
      assert.equal(letters.length, 1);
      assert.deepEqual(letters[0]!.event, bad!.event, 'the original event, unchanged');
      assert.equal(letters[0]!.context.error.message, 'card declined');
      assert.equal(letters[0]!.context.position, bad!.position);
      assert.equal(letters[0]!.context.handler, 'charge');
      assert.equal((await log.groups('orders'))[0]?.lag, 0, 'the dead-lettered event is settled in its group');
      await redriveDeadLetter(log, dlq, letters[0]!.dlqPosition, (e) => ({ ...e, data: { n: 10 } }));
      assert.deepEqual(await collect(listDeadLetters(log, dlq)), [], 'redrive removes the dead letter');
      const [redriven] = await fetch(log, 'orders', 'billing');
      assert.equal(redriven?.position, bad!.position);
      assert.deepEqual(redriven.event.data, { n: 10 });
      assert.equal(redriven.event.partitionkey, 'o-1');
      await ack(log, 'orders', 'billing', [redriven]);
    }));
  });
}
