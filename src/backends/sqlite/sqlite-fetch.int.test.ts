import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { isHeraldError } from '../../core/errors.js';
import { BACKENDS, collect, ev, openLog } from './test-helpers.js';

const lease = { max: 10, leaseMs: 1000 };

for (const backend of BACKENDS) {
  test(`${backend}: fetch leases events; ack removes them; an expired lease is redelivered and fences the late ack`, async () => {
    const { log, clock, done } = openLog(backend);
    try {
      await log.append('t', [ev(), ev(), ev()]);
      const first = await log.fetch('t', 'g', lease);
      assert.deepEqual(first.map((d) => [d.position, d.attempt, d.group]), [[1, 1, 'g'], [2, 1, 'g'], [3, 1, 'g']]);
      assert.equal(first[0]!.leaseUntil, clock.t + 1000);
      assert.deepEqual(await log.fetch('t', 'g', lease), []);
      assert.deepEqual(await log.settle('t', 'g', [{ kind: 'ack', position: 1, leaseId: first[0]!.leaseId }]), ['ok']);
      assert.deepEqual(await log.groups('t'), [{ topic: 't', group: 'g', cursor: 4, pending: 2, lag: 2 }]);
      clock.advance(1001);
      const again = await log.fetch('t', 'g', lease);
      assert.deepEqual(again.map((d) => [d.position, d.attempt]), [[2, 2], [3, 2]]);
      assert.notEqual(again[0]!.leaseId, first[1]!.leaseId);
      const late = await log.settle('t', 'g', [{ kind: 'ack', position: 2, leaseId: first[1]!.leaseId }, { kind: 'ack', position: 2, leaseId: 0 }]);
      assert.deepEqual(late, ['stale', 'stale']);
      assert.deepEqual(await log.settle('t', 'g', again.map((d) => ({ kind: 'ack' as const, position: d.position, leaseId: d.leaseId }))), ['ok', 'ok']);
      assert.deepEqual(await log.groups(), [{ topic: 't', group: 'g', cursor: 4, pending: 0, lag: 0 }]);
      assert.deepEqual(await log.settle('nope', 'g', [{ kind: 'ack', position: 1, leaseId: 1 }]), ['stale']);
    } finally { await done(); }
  });

  test(`${backend}: nack with a delay keeps the event (and its key) back until the delay passes; release counts no attempt; extend keeps the lease`, async () => {
    const { log, clock, done } = openLog(backend);
    try {
      await log.append('t', [ev({ partitionkey: 'k' }), ev({ partitionkey: 'k' }), ev()]);
      const [a, b, c] = await log.fetch('t', 'g', lease);
      assert.deepEqual(await log.settle('t', 'g', [
        { kind: 'nack', position: a!.position, leaseId: a!.leaseId, delayMs: 5000, error: { message: 'boom', code: 'E1' } },
        { kind: 'release', position: b!.position, leaseId: b!.leaseId },
        { kind: 'extend', position: c!.position, leaseId: c!.leaseId, leaseMs: 60_000 },
      ]), ['ok', 'ok', 'ok']);
      clock.advance(4000);
      assert.deepEqual(await log.fetch('t', 'g', lease), []); // 2 waits behind 1 (same key); 3 is extended
      clock.advance(1000);
      const retry = await log.fetch('t', 'g', lease);
      assert.deepEqual(retry.map((d) => [d.position, d.attempt]), [[1, 2], [2, 1]]);
      assert.deepEqual(retry[0]!.lastError, { message: 'boom', code: 'E1' });
      assert.equal(retry[1]!.lastError, undefined);
    } finally { await done(); }
  });

  test(`${backend}: per-key order: two fetches never hold the same key; new events of a held key are parked, then released`, async () => {
    const { log, clock, done } = openLog(backend);
    try {
      await log.append('t', [ev({ partitionkey: 'a' }), ev({ partitionkey: 'b' })]);
      const one = await log.fetch('t', 'g', lease);
      assert.deepEqual(one.map((d) => d.position), [1, 2]);
      await log.append('t', [ev({ partitionkey: 'a' }), ev({ partitionkey: 'c' }), ev({ partitionkey: 'a' }), ev()]);
      const two = await log.fetch('t', 'g', lease);
      assert.deepEqual(two.map((d) => d.position), [4, 6]); // 3 and 5 are parked behind 1 (key a)
      assert.deepEqual((await log.groups('t'))[0], { topic: 't', group: 'g', cursor: 7, pending: 6, lag: 6 });
      await log.settle('t', 'g', [{ kind: 'ack', position: 1, leaseId: one[0]!.leaseId }]);
      const three = await log.fetch('t', 'g', lease);
      assert.deepEqual(three.map((d) => [d.position, d.attempt]), [[3, 1], [5, 1]]); // one consumer gets both, in order
      // while 3 and 5 are held, key a stays with that consumer even after more events
      await log.append('t', [ev({ partitionkey: 'a' })]);
      assert.deepEqual(await log.fetch('t', 'g', lease), []);
      clock.advance(1001); // everything expires: the whole backlog comes back in position order
      const four = await log.fetch('t', 'g', { max: 2, leaseMs: 1000 });
      assert.deepEqual(four.map((d) => d.position), [2, 3]);
      const five = await log.fetch('t', 'g', lease);
      assert.deepEqual(five.map((d) => d.position), [4, 6]); // 5 and 7 wait behind 3 (key a), held by four
    } finally { await done(); }
  });

  test(`${backend}: parking is capped at max * 8 per fetch`, async () => {
    const { log, done } = openLog(backend);
    try {
      await log.append('t', [ev({ partitionkey: 'k' })]);
      await log.fetch('t', 'g', lease);
      await log.append('t', Array.from({ length: 30 }, () => ev({ partitionkey: 'k' })));
      assert.deepEqual(await log.fetch('t', 'g', { max: 2, leaseMs: 1000 }), []);
      assert.equal((await log.groups('t'))[0]!.cursor, 18);
    } finally { await done(); }
  });

  test(`${backend}: requeue redrives an edited event to one group only, without touching the log`, async () => {
    const { log, clock, done } = openLog(backend);
    try {
      const original = ev({ data: 'v1' });
      await log.append('t', [original]);
      const [d] = await log.fetch('t', 'g', lease);
      await log.fetch('t', 'other', lease);
      await log.settle('t', 'g', [{ kind: 'ack', position: 1, leaseId: d!.leaseId }]);
      clock.advance(50);
      await log.requeue('t', 'g', { ...original, data: 'v2' }, 1);
      const [again] = await log.fetch('t', 'g', lease);
      assert.deepEqual([again!.position, again!.attempt, again!.event.data, again!.appendedAt], [1, 1, 'v2', clock.t]);
      assert.equal((await collect(log.read('t')))[0]!.event.data, 'v1');
      assert.deepEqual(await log.fetch('t', 'other', lease), []);
      // the overriding payload survives retention and a discard of the original
      await log.settle('t', 'g', [{ kind: 'nack', position: 1, leaseId: again!.leaseId, delayMs: 0 }]);
      await log.deleteEvent('t', 1);
      const [third] = await log.fetch('t', 'g', lease);
      assert.equal(third!.event.data, 'v2');
    } finally { await done(); }
  });

  test(`${backend}: retention by count and by age keeps events that a pending row still needs`, async () => {
    const { log, clock, done } = openLog(backend);
    try {
      const events = Array.from({ length: 10 }, () => ev());
      await log.append('t', events);
      const [held] = await log.fetch('t', 'g', { max: 1, leaseMs: 1000 });
      await log.setRetention('t', { maxCount: 3 });
      assert.equal(await log.applyRetention(), 6);
      assert.deepEqual((await collect(log.read('t'))).map((s) => s.position), [1, 8, 9, 10]);
      assert.deepEqual(await log.topicInfo('t'), { topic: 't', head: 10, first: 1, count: 4, retention: { maxCount: 3 } });
      await log.settle('t', 'g', [{ kind: 'ack', position: 1, leaseId: held!.leaseId }]);
      assert.equal(await log.applyRetention(), 1);
      // the dedup window is what is stored: a removed id can be appended again
      clock.advance(60_000);
      const again = await log.append('t', [events[1]!, ev()]);
      assert.deepEqual(again.map((r) => [r.position, r.duplicate]), [[11, false], [12, false]]);
      await log.setRetention('t', { maxAgeMs: 30_000 });
      assert.equal(await log.applyRetention(), 3);
      assert.deepEqual(await log.topicInfo('t'), { topic: 't', head: 12, first: 11, count: 2, retention: { maxAgeMs: 30_000 } });
      // a group behind the cut skips what is gone
      const rest = await log.fetch('t', 'g', lease);
      assert.deepEqual(rest.map((d) => d.position), [11, 12]);
      await assert.rejects(log.setRetention('t', { maxCount: 0 }), (e: unknown) => isHeraldError(e, 'HERALD_E_INVALID_ARGUMENT'));
    } finally { await done(); }
  });

  test(`${backend}: resetGroup moves the cursor and forgets pending rows; deleteGroup removes the group; a group can start by time`, async () => {
    const { log, clock, done } = openLog(backend);
    try {
      await log.append('t', [ev(), ev()]);
      clock.advance(1000);
      await log.append('t', [ev()]);
      await log.fetch('t', 'g', lease);
      await log.resetGroup('t', 'g', { position: 2 });
      assert.deepEqual(await log.groups('t'), [{ topic: 't', group: 'g', cursor: 2, pending: 0, lag: 2 }]);
      assert.deepEqual((await log.fetch('t', 'g', lease)).map((d) => d.position), [2, 3]);
      await log.deleteGroup('t', 'g');
      assert.deepEqual(await log.groups(), []);
      const late = await log.fetch('t', 'late', { ...lease, from: { time: clock.t } });
      assert.deepEqual(late.map((d) => d.position), [3]);
      assert.deepEqual(await log.fetch('t', 'new', { ...lease, from: 'latest' }), []);
    } finally { await done(); }
  });

  test(`${backend}: redelivery passes over busy keys: a key leased at a later position keeps its expired event back; a retry blocks only its key's later events`, async () => {
    const { log, clock, done } = openLog(backend);
    try {
      await log.append('t', [ev({ partitionkey: 'a' }), ev({ partitionkey: 'a' }), ev({ partitionkey: 'b' }), ev({ partitionkey: 'c' })]);
      const first = await log.fetch('t', 'g', lease);
      assert.deepEqual(first.map((d) => d.position), [1, 2, 3, 4]);
      assert.deepEqual(await log.settle('t', 'g', [
        { kind: 'extend', position: 2, leaseId: first[1]!.leaseId, leaseMs: 60_000 },
        { kind: 'nack', position: 3, leaseId: first[2]!.leaseId, delayMs: 5000 },
      ]), ['ok', 'ok']);
      await log.append('t', [ev({ partitionkey: 'b' }), ev({ partitionkey: 'd' })]);
      clock.advance(1001);
      // 1 expired but 2 (key a) is still leased; 3 waits for its retry, so 5 (key b) is parked.
      assert.deepEqual((await log.fetch('t', 'g', { max: 10, leaseMs: 60_000 })).map((d) => [d.position, d.attempt]), [[4, 2], [6, 1]]);
      clock.advance(5000);
      const retry = await log.fetch('t', 'g', lease);
      assert.deepEqual(retry.map((d) => [d.position, d.attempt]), [[3, 2], [5, 1]]);
      assert.deepEqual(await log.settle('t', 'g', [{ kind: 'release', position: 2, leaseId: first[1]!.leaseId }]), ['ok']);
      assert.deepEqual((await log.fetch('t', 'g', lease)).map((d) => [d.position, d.attempt]), [[1, 2], [2, 1]]);
    } finally { await done(); }
  });
}
