/**
 * Retention deletes in chunks, each starting after the last (retention.ts): over several chunks,
 * events a group holds survive wherever they are, everything else at or before the cut goes, and
 * a later pass removes the held ones once they are settled.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { createEvent } from '../../core/envelope.js';
import type { Delivery } from '../../log/types.js';
import { pgUp, skipWithoutPg, TestSchemas } from './test-helpers.js';

if (pgUp) {
  describe('postgres: retention over several chunks', () => {
    const schemas = new TestSchemas();
    after(() => schemas.dropAll());

    it('keeps what groups hold in any chunk, and removes it once acked', async () => {
      const log = await schemas.open(schemas.fresh());
      try {
        await log.append('orders', Array.from({ length: 5_000 }, (_, n) => createEvent({ type: 'placed', data: { n } })));
        const held: [string, Delivery][] = [];
        for (const [group, position] of [['a', 1], ['b', 2_500], ['c', 4_100]] as const) {
          const [d] = await log.fetch('orders', group, { max: 1, leaseMs: 600_000, from: { position } });
          held.push([group, d!]);
        }
        await log.setRetention('orders', { maxCount: 10 });
        assert.equal(await log.applyRetention(), 5_000 - 10 - 3);
        const left: number[] = [];
        for await (const e of log.read('orders')) left.push(e.position);
        assert.deepEqual(left, [1, 2_500, 4_100, ...Array.from({ length: 10 }, (_, i) => 4_991 + i)]);
        for (const [group, d] of held) await log.settle('orders', group, [{ kind: 'ack', position: d.position, leaseId: d.leaseId }]);
        assert.equal(await log.applyRetention(), 3, 'released, they go on the next pass');
        assert.equal((await log.topicInfo('orders'))?.count, 10);
      } finally {
        await log.close();
      }
    });
  });
} else {
  skipWithoutPg('postgres: retention over several chunks');
}
