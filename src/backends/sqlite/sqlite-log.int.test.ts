import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { isHeraldError } from '../../core/errors.js';
import type { ReadOptions } from '../../log/types.js';
import { collect, ev, openTemp } from './test-helpers.js';

test('append and read round trip with contiguous positions from 1', async () => {
  const { log, clock, done } = openTemp();
  try {
    const events = [ev({ partitionkey: 'a' }), ev(), ev({ type: 'other' })];
    const receipts = await log.append('orders', events);
    assert.deepEqual(receipts.map((r) => [r.position, r.duplicate, r.appendedAt]), [[1, false, clock.t], [2, false, clock.t], [3, false, clock.t]]);
    const more = await log.append('orders', [ev()]);
    assert.equal(more[0]!.position, 4);
    const read = await collect(log.read('orders'));
    assert.deepEqual(read.map((s) => s.position), [1, 2, 3, 4]);
    assert.deepEqual(read.slice(0, 3).map((s) => s.event), events);
    assert.deepEqual(read[0], { topic: 'orders', position: 1, appendedAt: clock.t, event: events[0] });
    assert.deepEqual((await collect(log.read('orders', { types: ['other'] }))).map((s) => s.position), [3]);
    assert.deepEqual((await collect(log.read('orders', { limit: 2 }))).map((s) => s.position), [1, 2]);
    assert.deepEqual(await collect(log.read('missing')), []);
    assert.deepEqual(await log.topicInfo('orders'), { topic: 'orders', head: 4, first: 1, count: 4, retention: {} });
    assert.equal(log.capabilities.durable, true);
  } finally { await done(); }
});

test('append is idempotent by id: across calls and within one batch', async () => {
  const { log, clock, done } = openTemp();
  try {
    const a = ev();
    const [first] = await log.append('t', [a]);
    clock.advance(1000);
    const again = await log.append('t', [ev(), { ...a, data: 'changed' }, a]);
    assert.deepEqual(again.map((r) => [r.position, r.duplicate]), [[2, false], [1, true], [1, true]]);
    assert.deepEqual(again[1], { ...first, duplicate: true });
    const b = ev();
    const inBatch = await log.append('t', [b, b]);
    assert.deepEqual(inBatch.map((r) => [r.position, r.duplicate]), [[3, false], [3, true]]);
    assert.equal((await collect(log.read('t'))).length, 3);
    // the same id in another topic is a different event
    assert.equal((await log.append('u', [a]))[0]!.duplicate, false);
    // concurrent appends of one id in the same tick
    const c = ev();
    const [x, y] = await Promise.all([log.append('t', [c]), log.append('t', [c])]);
    assert.deepEqual([x[0]!.position, x[0]!.duplicate, y[0]!.position, y[0]!.duplicate], [4, false, 4, true]);
  } finally { await done(); }
});

test('an invalid event is rejected naming its index and field, and nothing is written', async () => {
  const { log, done } = openTemp();
  try {
    await assert.rejects(log.append('t', [ev(), { ...ev(), source: '' }]), (error: unknown) => {
      assert.ok(isHeraldError(error, 'HERALD_E_INVALID_EVENT'));
      assert.match(error.message, /event 1: .*source/);
      assert.equal(error.details.index, 1);
      return true;
    });
    await assert.rejects(log.append('t', [{ ...ev(), data: { big: 1n } }]), (e: unknown) => isHeraldError(e, 'HERALD_E_INVALID_EVENT'));
    await assert.rejects(log.append('bad topic!', [ev()]), (e: unknown) => isHeraldError(e, 'HERALD_E_INVALID_ARGUMENT'));
    assert.equal(await log.topicInfo('t'), undefined);
    assert.deepEqual(await log.append('empty', []), []);
    assert.equal((await log.topicInfo('empty'))?.head, 0);
  } finally { await done(); }
});

test('a streaming read pages through 20k events in order', async () => {
  const { log, done } = openTemp();
  try {
    for (let i = 0; i < 20; i++) await log.append('big', Array.from({ length: 1000 }, (_, j) => ev({ data: i * 1000 + j })));
    let expected = 1;
    for await (const s of log.read('big')) {
      assert.equal(s.position, expected);
      assert.equal(s.event.data, expected - 1);
      expected++;
    }
    assert.equal(expected, 20_001);
    // a read keeps following events appended while it runs
    const seen: number[] = [];
    for await (const s of log.read('big', { from: { position: 19_999 } })) {
      seen.push(s.position);
      if (s.position === 20_000) await log.append('big', [ev()]);
    }
    assert.deepEqual(seen, [19_999, 20_000, 20_001]);
  } finally { await done(); }
});

test('reads start from a position, a time, latest; holes are skipped', async () => {
  const { log, clock, done } = openTemp();
  try {
    const t0 = clock.t;
    await log.append('t', [ev(), ev()]);
    clock.advance(10_000);
    await log.append('t', [ev(), ev()]);
    clock.advance(10_000);
    await log.append('t', [ev()]);
    const positions = async (from: ReadOptions): Promise<number[]> => (await collect(log.read('t', from))).map((s) => s.position);
    assert.deepEqual(await positions({ from: { position: 4 } }), [4, 5]);
    assert.deepEqual(await positions({ from: { time: t0 + 5_000 } }), [3, 4, 5]);
    assert.deepEqual(await positions({ from: { time: new Date(t0 + 10_000) } }), [3, 4, 5]);
    assert.deepEqual(await positions({ from: { time: t0 + 99_000 } }), []);
    assert.deepEqual(await positions({ from: 'latest' }), []);
    assert.equal(await log.deleteEvent('t', 3), true);
    assert.equal(await log.deleteEvent('t', 3), false);
    assert.deepEqual(await positions({ from: { time: t0 + 5_000 } }), [4, 5]);
    assert.deepEqual(await log.topicInfo('t'), { topic: 't', head: 5, first: 1, count: 4, retention: {} });
    await assert.rejects(collect(log.read('t', { from: { position: 0 } })), (e: unknown) => isHeraldError(e, 'HERALD_E_INVALID_ARGUMENT'));
  } finally { await done(); }
});

test('append times never decrease, even when the clock goes back', async () => {
  const { log, clock, done } = openTemp();
  try {
    const [a] = await log.append('t', [ev()]);
    clock.advance(-5_000);
    const [b] = await log.append('t', [ev()]);
    assert.equal(b!.appendedAt, a!.appendedAt);
  } finally { await done(); }
});

test('many concurrent appends all resolve, with contiguous positions', async () => {
  const { log, done } = openTemp({ maxBatchEvents: 64 });
  try {
    const results = await Promise.all(Array.from({ length: 500 }, (_, i) => log.append('c', i % 5 === 0 ? [ev(), ev()] : [ev()])));
    const positions = results.flat().map((r) => r.position).sort((a, b) => a - b);
    assert.deepEqual(positions, Array.from({ length: 600 }, (_, i) => i + 1));
    for (const r of results) if (r.length === 2) assert.equal(r[1]!.position, r[0]!.position + 1);
    assert.equal((await log.topicInfo('c'))?.head, 600);
  } finally { await done(); }
});

test('operations see appends made before them, awaited or not', async () => {
  const { log, done } = openTemp();
  try {
    const pending = log.append('t', [ev()]);
    const fetched = await log.fetch('t', 'g', { max: 5, leaseMs: 1000 });
    assert.equal(fetched.length, 1);
    await pending;
  } finally { await done(); }
});

test('onAppend listeners hear this process\'s appends and requeues', async () => {
  const { log, done } = openTemp();
  try {
    let calls = 0;
    const off = log.onAppend('t', () => { calls++; });
    assert.ok((await log.topics()).some((t) => t.topic === 't'));
    await log.append('t', [ev()]);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(calls, 1);
    await log.append('t', []);
    await log.requeue('t', 'g', ev(), 1);
    assert.equal(calls, 2);
    off();
    await log.append('t', [ev()]);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(calls, 2);
  } finally { await done(); }
});

test('durability "os" resolves on commit and still reads back', async () => {
  const { log, done } = openTemp({ durability: 'os' });
  try {
    const receipts = await Promise.all(Array.from({ length: 100 }, () => log.append('os', [ev()])));
    assert.equal(receipts.length, 100);
    assert.equal((await collect(log.read('os'))).length, 100);
  } finally { await done(); }
});

test('close is idempotent, flushes queued appends and refuses further calls', async () => {
  const { log, done } = openTemp();
  const pending = log.append('t', [ev()]);
  await Promise.all([log.close(), log.close()]);
  assert.equal((await pending)[0]!.position, 1);
  await assert.rejects(log.append('t', [ev()]), (e: unknown) => isHeraldError(e, 'HERALD_E_CLOSED'));
  await assert.rejects(log.fetch('t', 'g', { max: 1, leaseMs: 1 }), (e: unknown) => isHeraldError(e, 'HERALD_E_CLOSED'));
  await assert.rejects(collect(log.read('t')), (e: unknown) => isHeraldError(e, 'HERALD_E_CLOSED'));
  await done();
});
