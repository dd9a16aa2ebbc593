/** What is particular to the Redis backend: persistence detection, connection failures, namespaces, key layout, cleanup, reopen. */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { durabilitySuite } from '../../../test/conformance/durability.js';
import { FakeClock } from '../../../test/conformance/fake-clock.js';
import { collect, expectError, fetch, makeEvents, positions } from '../../../test/conformance/helpers.js';
import type { EventLog } from '../../log/types.js';
import { streamKey } from './codec.js';
import type { RedisLog } from './redis-log.js';
import { REDIS_URL, redisUp, skipWithoutRedis, TestPrefixes } from './test-helpers.js';

const prefixes = new TestPrefixes();
after(() => prefixes.removeAll());

async function withClient<T>(work: (client: Redis) => Promise<T>): Promise<T> {
  const client = new Redis(REDIS_URL);
  try {
    return await work(client);
  } finally {
    await client.quit();
  }
}

const keysOf = (prefix: string): Promise<string[]> => withClient(async (client) => (await client.keys(`${prefix}:*`)).sort());

/** The log, declaring itself durable: the reopen tests then check what a reopen of the client keeps (the server's own persistence is not the point). */
const declaredDurable = (log: RedisLog): EventLog => new Proxy(log, {
  get: (target, property, receiver) => (property === 'capabilities' ? { ...target.capabilities, durable: true } : Reflect.get(target, property, receiver)),
});

describe('redis backend', () => {
  if (!redisUp) { skipWithoutRedis('redis backend'); return; }

  it('capabilities.durable follows the server\'s appendonly, appendfsync and eviction policy', async () => {
    const [appendonly, appendfsync, maxmemoryPolicy] = await withClient((c) => Promise.all(
      ['appendonly', 'appendfsync', 'maxmemory-policy'].map(async (name) => (await c.config('GET', name))[1]!)));
    const log = await prefixes.open();
    try {
      const durable = appendonly === 'yes' && appendfsync !== 'no' && !maxmemoryPolicy!.startsWith('allkeys');
      assert.deepEqual(log.persistence, { durable, appendonly, appendfsync, maxmemoryPolicy });
      assert.equal(log.capabilities.durable, log.persistence.durable);
      assert.deepEqual({ ...log.capabilities, durable: false }, { durable: false, keyOrder: true, transactionalAck: false, readByTime: true, contiguousPositions: true });
    } finally {
      await log.close();
    }
  });

  it('an unreachable server is HERALD_E_UNAVAILABLE (retryable), and the message hides the password', async () => {
    const error = await expectError(() => prefixes.open({ url: 'redis://herald:s3cret-pw@127.0.0.1:1', connectTimeoutMs: 500 }), 'HERALD_E_UNAVAILABLE');
    assert.equal((error as Error & { retryable?: boolean }).retryable, true);
    assert.ok(!error.message.includes('s3cret-pw'), error.message);
    assert.match(error.message, /redis:\/\/herald:\*\*\*@127\.0\.0\.1:1/);
  });

  it('prefixes are namespaces: two logs with different prefixes share nothing, and every key starts with the prefix', async () => {
    const [a, b] = [prefixes.fresh(), prefixes.fresh()];
    const one = await prefixes.open({}, a);
    const two = await prefixes.open({}, b);
    try {
      await one.append('orders', makeEvents(3));
      assert.deepEqual(await collect(two.read('orders')), []);
      assert.deepEqual(await two.topics(), []);
      assert.equal((await two.fetch('orders', 'g', { max: 10, leaseMs: 1000 })).length, 0);
      assert.equal((await one.fetch('orders', 'g', { max: 10, leaseMs: 1000 })).length, 3);
      const keys = await keysOf(a);
      assert.ok(keys.length > 0 && keys.every((k) => k.startsWith(`${a}:`)));
      assert.ok(keys.filter((k) => k !== `${a}:topics`).every((k) => k.startsWith(streamKey(a, 'orders'))), `one hash tag per topic: ${keys.join(', ')}`);
    } finally {
      await one.close();
      await two.close();
    }
  });

  it('a drained group leaves no bookkeeping behind (only the stream, its meta and ids)', async () => {
    const prefix = prefixes.fresh();
    const log = await prefixes.open({}, prefix);
    try {
      await log.append('orders', makeEvents(30, { key: (n) => (n % 3 === 0 ? undefined : `k${n % 4}`) }));
      let round = 0;
      for (let ds = await fetch(log, 'orders', 'g', { max: 7 }); ds.length > 0; ds = await fetch(log, 'orders', 'g', { max: 7 })) {
        const [first, ...rest] = ds;
        const fail = round++ % 2 === 0;
        await log.settle('orders', 'g', [
          fail ? { kind: 'nack', position: first!.position, leaseId: first!.leaseId, delayMs: 0, error: { message: 'x' } } : { kind: 'ack', position: first!.position, leaseId: first!.leaseId },
          ...rest.map((d) => ({ kind: fail ? 'release' as const : 'ack' as const, position: d.position, leaseId: d.leaseId })),
        ]);
      }
      assert.equal((await log.groups('orders'))[0]?.lag, 0);
      const s = streamKey(prefix, 'orders');
      assert.deepEqual(await keysOf(prefix), [`${prefix}:topics`, s, `${s}:ids`, `${s}:m`].sort());
    } finally {
      await log.close();
    }
  });

  it('deleteTopic leaves no key of the topic but its lease counter; a late settle from before it cannot touch the topic made again', async () => {
    const prefix = prefixes.fresh();
    const [log, other] = [await prefixes.open({}, prefix), await prefixes.open({}, prefix)];
    try {
      await log.append('orders', makeEvents(6, { key: (n) => `k${n % 2}` }));
      const held = await fetch(log, 'orders', 'g', { max: 3 });
      await log.settle('orders', 'g', [{ kind: 'nack', position: held[0]!.position, leaseId: held[0]!.leaseId, delayMs: 0, error: { message: 'x' } }]);
      await fetch(log, 'orders', 'h', { max: 2 });
      assert.equal(await other.deleteTopic('orders'), true);
      const s = streamKey(prefix, 'orders');
      assert.deepEqual(await keysOf(prefix), [`${prefix}:topics`, `${s}:m`].sort(), 'groups, their state, events and ids are gone');
      assert.deepEqual(await log.topics(), [], 'the registered name is not listed without a topic');
      assert.equal(await other.deleteTopic('orders'), false);
      await log.append('orders', makeEvents(3, { key: (n) => `k${n % 2}` }));
      const again = await fetch(log, 'orders', 'g', { max: 3 });
      assert.deepEqual(again.map((d) => d.position), [1, 2, 3], 'positions start again from 1');
      assert.ok(again.every((d) => held.every((h) => h.leaseId !== d.leaseId)), 'lease ids do not repeat');
      const late = held.map((d) => ({ kind: 'ack' as const, position: d.position, leaseId: d.leaseId }));
      assert.deepEqual(await log.settle('orders', 'g', late), ['stale', 'stale', 'stale']);
      assert.equal((await log.groups('orders'))[0]?.pending, 3, 'the new leases still hold their events');
    } finally {
      await log.close();
      await other.close();
    }
  });

  it('an event deleted while a group holds it is dropped from the group when its lease ends', async () => {
    const clock = new FakeClock();
    const log = await prefixes.open({ clock });
    try {
      const p = positions(await log.append('orders', makeEvents(3, { key: () => 'k' })));
      await fetch(log, 'orders', 'g', { leaseMs: 1000 });
      assert.equal(await log.deleteEvent('orders', p[0]!), true);
      clock.advance(1000);
      const again = await fetch(log, 'orders', 'g', { leaseMs: 1000 });
      assert.deepEqual(positions(again), p.slice(1), 'the key goes on from the next event');
      assert.equal((await log.groups('orders'))[0]?.pending, 2);
    } finally {
      await log.close();
    }
  });

  it('retention works in chunks and keeps held events in the middle; removed ids may be appended again', async () => {
    const log = await prefixes.open();
    try {
      const events = makeEvents(1300);
      for (let i = 0; i < events.length; i += 500) await log.append('big', events.slice(i, i + 500));
      await log.resetGroup('big', 'g', { position: 700 });
      const held = await fetch(log, 'big', 'g', { max: 2 });
      assert.deepEqual(positions(held), [700, 701]);
      await log.setRetention('big', { maxCount: 100 });
      assert.equal(await log.applyRetention(), 1198);
      assert.deepEqual(positions(await collect(log.read('big', { limit: 3 }))), [700, 701, 1201]);
      const [again] = await log.append('big', [events[0]!]);
      assert.equal(again?.duplicate, false, 'the id went with its event');
    } finally {
      await log.close();
    }
  });

  it('a call of acks (applied in bulk per lease) answers each one: two leases, keyed and keyless, a position twice, a stale lease', async () => {
    const log = await prefixes.open();
    try {
      await log.append('orders', makeEvents(8, { key: (n) => (n % 4 === 0 ? `k${n}` : undefined) }));
      const a = await fetch(log, 'orders', 'g', { max: 4 });
      const b = await fetch(log, 'orders', 'g', { max: 4 });
      const ack = (d: { position: number; leaseId: number }) => ({ kind: 'ack' as const, position: d.position, leaseId: d.leaseId });
      const out = await log.settle('orders', 'g', [
        ack(b[3]!), ack(a[1]!), { kind: 'ack', position: a[2]!.position, leaseId: b[0]!.leaseId }, ack(a[0]!), ack(a[1]!), ack(b[0]!), ack(a[2]!), ack(a[3]!),
      ]);
      assert.deepEqual(out, ['ok', 'ok', 'stale', 'ok', 'stale', 'ok', 'ok', 'ok']);
      assert.deepEqual((await log.groups('orders'))[0]?.pending, 2, 'b[1] and b[2] still out');
      assert.deepEqual(await log.settle('orders', 'g', [ack(b[1]!), ack(b[2]!)]), ['ok', 'ok']);
      assert.equal((await log.groups('orders'))[0]?.lag, 0);
    } finally {
      await log.close();
    }
  });

  it('numbers past what the scripts hold exactly (positions past 2^53, a lease of 1e300 ms) are handled, not corrupted', async () => {
    const log = await prefixes.open();
    try {
      await log.append('orders', [...makeEvents(2, { key: () => 'k' }), ...makeEvents(1, { start: 2 })]);
      assert.deepEqual(await log.settle('orders', 'g', [{ kind: 'ack', position: 1e20, leaseId: 1 }]), ['stale']);
      assert.equal(await log.deleteEvent('orders', 1e20), false);
      assert.deepEqual(await collect(log.read('orders', { from: { position: 1e20 } })), []);
      const [first] = await log.fetch('orders', 'g', { max: 1, leaseMs: 1e300 });
      assert.ok(first);
      assert.equal(first.leaseUntil, 1e300, 'the lease end comes back whole (now + 1e300 is 1e300 in a double)');
      assert.deepEqual(positions(await fetch(log, 'orders', 'g')), [3], 'the key stays held by the long lease');
      assert.deepEqual(await log.settle('orders', 'g', [{ kind: 'extend', position: first.position, leaseId: first.leaseId, leaseMs: 1e300 }]), ['ok']);
      assert.deepEqual(await fetch(log, 'orders', 'g'), []);
    } finally {
      await log.close();
    }
  });

  it('onAppend hears appends made by another process (another connection)', async () => {
    const prefix = prefixes.fresh();
    const listener = await prefixes.open({}, prefix);
    const writer = await prefixes.open({}, prefix);
    try {
      let calls = 0;
      const off = listener.onAppend('orders', () => { calls++; });
      await new Promise((resolve) => setTimeout(resolve, 100)); // the subscription reaches the server
      await writer.append('orders', makeEvents(1));
      for (let i = 0; i < 100 && calls === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
      assert.ok(calls >= 1, 'the listener heard the other connection\'s append');
      off();
    } finally {
      await listener.close();
      await writer.close();
    }
  });
});

const clock = new FakeClock();
if (redisUp) {
  durabilitySuite({
    name: 'redis (reopen of the client)',
    clock,
    open: async () => declaredDurable(await prefixes.open({ clock })),
    reopen: async () => declaredDurable(await prefixes.open({ clock }, prefixes.last)),
  });
}
