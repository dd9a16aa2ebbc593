// The README's twenty lines, kept here so they compile and run in CI (see readme.unit.test.ts).
// README:begin
import { openHerald, defineEvent } from 'herald';
import { z } from 'zod';

const OrderPlaced = defineEvent({
  type: 'order.placed',
  schema: z.object({ orderId: z.string(), total: z.number().positive() }),
});

const h = await openHerald();                       // ./data/herald.db, fsync before every ack
await h.publish('orders', OrderPlaced, { orderId: 'o-1', total: 42 }, { key: 'o-1' });

h.subscribe('orders', { group: 'billing', maxAttempts: 5 }, async (event, ctx) => {
  // same key: in order, one at a time; a throw retries with backoff, then dead-letters
  await ctx.publish('payments', { type: 'payment.captured', data: event.data });
});

for await (const m of h.consume('orders', { group: 'audit' })) {
  console.log(m.event.type, m.delivery.position);
  await m.ack();                                     // or m.nack({ delay: '5s' })
  break;
}
await h.close();
// README:end
