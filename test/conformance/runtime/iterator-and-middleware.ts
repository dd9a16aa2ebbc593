import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { consume } from '../../../src/consumer/consume.js';
import { subscribe } from '../../../src/consumer/subscribe.js';
import { validate, timeout, dedup, MemoryInbox } from '../../../src/consumer/middleware/index.js';
import { defineEvent } from '../../../src/core/contract.js';
import { createEvent } from '../../../src/core/envelope.js';
import { orderEvents, quick, waitFor, type RuntimeTarget } from './helpers.js';

export function iteratorAndMiddlewareSuite(target: RuntimeTarget): void {
  describe(`${target.name}: consume iterator and middleware`, () => {
    it('consume yields in order; nack redelivers; break gives back the rest', async () => {
      const log = await target.open();
      const events = orderEvents(10, 1);
      await log.append('it', events);
      const got: string[] = [];
      let nacked = false;
      for await (const m of consume(log, 'it', { group: 'g', pollInterval: 10 })) {
        if (!nacked && m.event.id === events[3]!.id) { nacked = true; await m.nack({ delay: 5 }); continue; }
        got.push(m.event.id);
        assert.equal(await m.ack(), 'ok');
        if (got.length === 6) break;
      }
      assert.deepEqual(got, events.slice(0, 3).concat(events.slice(3, 6)).map((e) => e.id));
      const [group] = await log.groups('it');
      assert.equal(group?.lag, 4, 'the rest is still there for the group');
      await log.close();
    });

    it('validate: an invalid event is dead-lettered at once, valid ones are decoded', async () => {
      const log = await target.open();
      const Placed = defineEvent({ type: 'order.placed', version: 2, schema: z.object({ total: z.number().positive() }), upcast: { 1: (d) => ({ total: (d as { amount: number }).amount }) } });
      await log.append('v', [
        createEvent({ type: 'order.placed', data: { amount: 5 }, extensions: { dataversion: 1 } }),
        createEvent({ type: 'order.placed', data: { total: -1 }, extensions: { dataversion: 2 } }),
      ]);
      const totals: number[] = [];
      let attempts = 0;
      const sub = subscribe(log, 'v', { group: 'g', middleware: [validate([Placed])], ...quick }, (event) => {
        attempts++;
        totals.push((event.data as { total: number }).total);
      });
      await waitFor(() => sub.stats().deadLettered === 1 && totals.length === 1, 'one valid, one dead');
      await sub.close();
      assert.deepEqual(totals, [5]);
      assert.equal(attempts, 1);
      await log.close();
    });

    it('timeout fails a slow attempt, which is retried', async () => {
      const log = await target.open();
      await log.append('slow', orderEvents(1, 1));
      let calls = 0;
      const sub = subscribe(log, 'slow', { group: 'g', middleware: [timeout(30)], ...quick }, async (_e, ctx) => {
        calls++;
        if (calls === 1) await new Promise((r) => setTimeout(r, 200));
        assert.equal(ctx.signal.aborted, false);
      });
      await waitFor(() => sub.stats().handled === 1, 'second attempt handled');
      await sub.close();
      assert.equal(calls, 2);
      await log.close();
    });

    it('dedup skips an id the group already handled', async () => {
      const log = await target.open();
      const [event] = orderEvents(1, 1);
      await log.append('d1', [event!]);
      await log.append('d2', [event!]);
      const inbox = new MemoryInbox();
      let calls = 0;
      const options = { group: 'g', middleware: [dedup(inbox)], ...quick };
      const a = subscribe(log, 'd1', options, () => { calls++; });
      await waitFor(() => a.stats().handled === 1, 'first');
      const b = subscribe(log, 'd2', options, () => { calls++; });
      await waitFor(() => b.stats().handled === 1, 'second');
      await Promise.all([a.close(), b.close()]);
      assert.equal(calls, 1);
      await log.close();
    });
  });
}
