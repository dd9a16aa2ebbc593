import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CloudEvent } from '../../src/core/envelope.js';
import { collect, consumeAll, dataOf, expectError, fetch, makeEvents, positions, withLog, type ConformanceTarget } from './helpers.js';

/** Append is idempotent by event id within a topic: a retry returns the first receipt and writes nothing. */
export function idempotencySuite(target: ConformanceTarget): void {
  describe(`${target.name}: idempotent append`, () => {
    it('the same id later returns the original receipt with duplicate: true and writes nothing', withLog(target, [], async (log) => {
      const [a, b] = makeEvents(2);
      const [ra, rb] = await log.append('orders', [a!, b!]);
      const retry = { ...a!, data: { n: 100 } };
      const [again] = await log.append('orders', [retry]);
      assert.deepEqual(again, { ...ra!, duplicate: true }, 'the original receipt (same position and append time)');
      assert.equal((await log.topicInfo('orders'))?.count, 2);
      assert.deepEqual(dataOf(await collect(log.read('orders'))), [0, 1], 'the first version is kept');
      const [rc] = await log.append('orders', makeEvents(1, { start: 2 }));
      assert.ok(rc!.position > rb!.position, 'the duplicate used no position');
      if (log.capabilities.contiguousPositions) assert.equal(rc!.position, rb!.position + 1);
    }));

    it('a duplicate does not reach consumer groups again', withLog(target, [], async (log) => {
      const events = makeEvents(3);
      await log.append('orders', events);
      assert.equal((await consumeAll(log, 'orders', 'billing')).length, 3);
      await log.append('orders', [events[1]!]);
      assert.deepEqual(await fetch(log, 'orders', 'billing'), []);
      const [group] = await log.groups('orders');
      assert.equal(group?.lag, 0);
    }));

    it('a batch mixing new and known ids writes only the new ones; receipts keep input order', withLog(target, [], async (log) => {
      const [a, b, c] = makeEvents(3);
      const [ra] = await log.append('orders', [a!]);
      const receipts = await log.append('orders', [b!, a!, c!]);
      assert.deepEqual(receipts.map((r) => [r.id, r.duplicate]), [[b!.id, false], [a!.id, true], [c!.id, false]]);
      assert.equal(receipts[1]!.position, ra!.position);
      assert.ok(receipts[2]!.position > receipts[0]!.position);
      assert.deepEqual(dataOf(await collect(log.read('orders'))), [0, 1, 2]);
    }));

    it('the same id twice inside one batch is written once', withLog(target, [], async (log) => {
      const [x, y] = makeEvents(2);
      const twin: CloudEvent = { ...x!, data: { n: 7 } };
      const receipts = await log.append('orders', [x!, y!, twin]);
      assert.equal(receipts.length, 3);
      assert.equal(receipts[0]!.duplicate, false);
      assert.equal(receipts[1]!.duplicate, false);
      assert.deepEqual(receipts[2], { ...receipts[0]!, duplicate: true });
      assert.deepEqual(dataOf(await collect(log.read('orders'))), [0, 1]);
      assert.equal((await log.topicInfo('orders'))?.count, 2);
    }));

    it('ids are per topic: the same id in another topic is a new event', withLog(target, [], async (log) => {
      const [e] = makeEvents(1);
      await log.append('a', [e!]);
      const [other] = await log.append('b', [e!]);
      assert.equal(other!.duplicate, false);
      assert.equal(other!.topic, 'b');
    }));

    it('a rejected batch records none of its ids', withLog(target, [], async (log) => {
      const [good, bad] = makeEvents(2);
      await expectError(() => log.append('orders', [good!, { ...bad!, type: '' }]), 'HERALD_E_INVALID_EVENT');
      const [receipt] = await log.append('orders', [good!]);
      assert.equal(receipt!.duplicate, false);
      assert.deepEqual(positions(await collect(log.read('orders'))), [receipt!.position]);
    }));
  });
}
