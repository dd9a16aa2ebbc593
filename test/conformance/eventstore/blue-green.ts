import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { activeTable, activeVersion, dropProjectionVersion } from '../../../src/eventstore/projection-admin.js';
import { startProjection } from '../../../src/eventstore/projection-runner.js';
import { andThen, type MaybePromise } from '../../../src/eventstore/projection-then.js';
import { counter, expectedCounts, orders, quick, waitFor, withFixture, type EventStoreTarget } from './helpers.js';

/** Rebuild beside the serving version, switch atomically once caught up, then drop the old one. */
export function blueGreenSuite<Tx>(target: EventStoreTarget<Tx>): void {
  describe(`${target.name}: blue/green rebuild`, () => {
    it('a new version builds beside the active one, which keeps serving, and switches only once caught up', withFixture(target, async (fx) => {
      const events = orders(200);
      await fx.log.append('orders', events);
      const v1 = startProjection(counter(fx.model, { version: 1 }), quick(fx));
      await v1.caughtUp();

      // v2 stalls at event 100 (failing, retried) until released: it is mid-build while we look.
      let released = false;
      const activeSeen = new Set<number | undefined>();
      const gate = (e: { id: string }): MaybePromise<void> => andThen(activeVersion(fx.store, 'counts'), (active) => {
        activeSeen.add(active?.version);
        if (e.id === events[100]!.id && !released) throw new Error('held back by the test');
      });
      const v2 = startProjection(counter(fx.model, { version: 2, spy: gate }), quick(fx, { batchSize: 10, maxAttempts: 1_000_000 }));
      await waitFor(async () => (await v2.status()).lastError?.eventId === events[100]!.id, 'v2 to be held at event 100');
      const building = await v2.status();
      assert.deepEqual([building.role, building.state], ['building', 'catching-up']);
      assert.ok(building.lag > 0);
      assert.equal((await activeVersion(fx.store, 'counts'))?.version, 1, 'v1 serves while v2 builds');
      assert.equal(await activeTable(fx.store, 'counts', 'counts'), 'counts_v1');

      const extra = orders(20, 200);
      await fx.log.append('orders', extra);
      const all = [...events, ...extra];
      await waitFor(async () => (await fx.model.read('counts_v1'))?.total === expectedCounts(all).total, 'v1 to apply the new events');
      assert.equal((await v2.status()).role, 'building', 'still building: not caught up');

      released = true;
      await v2.caughtUp();
      assert.deepEqual([...activeSeen], [1], 'every v2 event was applied while v1 was the active version');
      assert.equal((await activeVersion(fx.store, 'counts'))?.version, 2);
      assert.equal(await activeTable(fx.store, 'counts', 'counts'), 'counts_v2');
      assert.deepEqual(await fx.model.read('counts_v2'), expectedCounts(all));
      assert.deepEqual([(await v2.status()).role, (await v2.status()).state], ['active', 'live']);

      // v1 learns it was retired at its next commit, and stops.
      const late = orders(5, 220);
      await fx.log.append('orders', late);
      await v1.closed;
      const retired = await v1.status();
      assert.deepEqual([retired.state, retired.stoppedBy, retired.role], ['stopped', 'retired', 'retired']);
      await v2.caughtUp();
      assert.deepEqual(await fx.model.read('counts_v2'), expectedCounts([...all, ...late]));

      await assert.rejects(async () => dropProjectionVersion(counter(fx.model), fx.store, 2), { code: 'HERALD_E_INVALID_ARGUMENT' }, 'the active version cannot be dropped');
      assert.equal(await dropProjectionVersion(counter(fx.model), fx.store, 1), true);
      assert.equal(await fx.model.read('counts_v1'), undefined, 'the drop hook removed v1 tables');
      assert.deepEqual((await fx.store.records('counts')).map((r) => r.version), [2]);
      assert.equal(await dropProjectionVersion(counter(fx.model), fx.store, 1), false);
      await v2.close();
    }));

    it('dropRetired drops the replaced version as soon as the new one switches', withFixture(target, async (fx) => {
      const events = orders(50);
      await fx.log.append('orders', events);
      const v1 = startProjection(counter(fx.model, { version: 1 }), quick(fx));
      await v1.caughtUp();
      await v1.close();
      const v2 = startProjection(counter(fx.model, { version: 2 }), quick(fx, { dropRetired: true }));
      await v2.caughtUp();
      assert.equal(await fx.model.read('counts_v1'), undefined);
      assert.deepEqual(await fx.model.read('counts_v2'), expectedCounts(events));
      assert.deepEqual((await fx.store.records('counts')).map((r) => [r.version, r.role]), [[2, 'active']]);
      await v2.close();
    }));

    it('an older version does not come back: a retired one stops, a dropped one is refused', withFixture(target, async (fx) => {
      await fx.log.append('orders', orders(10));
      for (const version of [1, 2]) {
        const runner = startProjection(counter(fx.model, { version }), quick(fx));
        await runner.caughtUp();
        await runner.close();
      }
      const retired = startProjection(counter(fx.model, { version: 1 }), quick(fx));
      await retired.closed;
      assert.deepEqual([(await retired.status()).state, (await retired.status()).stoppedBy], ['stopped', 'retired']);
      await dropProjectionVersion(counter(fx.model), fx.store, 1);
      const dropped = startProjection(counter(fx.model, { version: 1 }), quick(fx));
      await dropped.closed;
      const status = await dropped.status();
      assert.deepEqual([status.state, status.lastError?.code], ['failed', 'HERALD_E_INVALID_ARGUMENT']);
      assert.match(status.lastError?.message ?? '', /older than the active version 2/);
    }));
  });
}
