import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createEvent } from '../../../src/core/envelope.js';
import { dedup } from '../../../src/consumer/middleware/dedup.js';
import { compose } from '../../../src/consumer/subscribe.js';
import { withFixture, type EventStoreTarget } from './helpers.js';

/** Consumer-side dedup: an event redelivered to a group (its lease expired before the ack) runs once. */
export function inboxSuite<Tx>(target: EventStoreTarget<Tx>): void {
  describe(`${target.name}: inbox`, () => {
    it('a redelivered event is skipped by the dedup middleware; other groups still get it', withFixture(target, async (fx) => {
      const events = [1, 2, 3].map((n) => createEvent({ type: 'order.placed', data: { n } }));
      await fx.log.append('orders', events);
      const effects: string[] = [];
      const handler = compose([dedup(fx.inbox)], (event, ctx) => { effects.push(`${ctx.delivery.group}:${event.id}`); });
      const run = async (group: string, leaseMs: number): Promise<number[]> => {
        const deliveries = await fx.log.fetch('orders', group, { max: 10, leaseMs });
        for (const d of deliveries) await handler(d.event, { delivery: d, signal: new AbortController().signal });
        return deliveries.map((d) => d.attempt);
      };
      // Handled, but the acks never land (a crash): the leases expire and the events come back.
      assert.deepEqual(await run('billing', 50), [1, 1, 1]);
      await new Promise((r) => setTimeout(r, 120));
      assert.deepEqual(await run('billing', 60_000), [2, 2, 2], 'redelivered');
      assert.deepEqual(effects, events.map((e) => `billing:${e.id}`), 'each effect ran once');
      await run('audit', 60_000);
      assert.equal(effects.length, 6, 'the inbox is per group');
      assert.equal(await fx.inbox.has('billing', events[0]!.id), true);
      assert.equal(await fx.inbox.has('shipping', events[0]!.id), false);
    }));
  });
}
