import { describe, it } from 'node:test';
import { DeciderSpecification } from '../../src/index.js';
import { order, OrderRefused, type OrderEvent } from './order.js';

const spec = DeciderSpecification.for(order);
const data = { orderId: 'o-1', customer: 'ada@example.com', items: [{ sku: 'book', qty: 1 }], total: 19.9, card: '4242' };
const placed: OrderEvent = { type: 'order.placed', data };
const confirmed: OrderEvent = { type: 'order.confirmed', data: { orderId: 'o-1' } };
const cancelled: OrderEvent = { type: 'order.cancelled', data: { orderId: 'o-1', reason: 'card declined' } };

describe('the order decider', () => {
  it('places a new order once', async () => {
    await spec.when({ type: 'place', order: data }).then([placed]);
    await spec.given([placed]).when({ type: 'place', order: data }).thenThrows(/order o-1: cannot place: it is placed/);
  });

  it('confirms or cancels a placed order', async () => {
    await spec.given([placed]).when({ type: 'confirm', orderId: 'o-1' }).thenState({ status: 'confirmed', orderId: 'o-1' });
    await spec.given([placed]).when({ type: 'cancel', orderId: 'o-1', reason: 'card declined' }).then([cancelled]);
  });

  it('never does both, and refuses what was never placed, as a non-retryable error', async () => {
    await spec.given([placed, cancelled]).when({ type: 'confirm', orderId: 'o-1' }).thenThrows(/cannot confirm: it is cancelled/);
    await spec.given([placed, confirmed]).when({ type: 'cancel', orderId: 'o-1', reason: 'late' }).thenThrows(/cannot cancel: it is confirmed/);
    await spec.when({ type: 'confirm', orderId: 'o-2' }).thenThrows((e) => e instanceof OrderRefused && e.code === 'HERALD_E_NON_RETRYABLE' && !e.retryable);
  });

  it('ignores a command repeated after it took effect (a redelivered payment)', async () => {
    await spec.given([placed, confirmed]).when({ type: 'confirm', orderId: 'o-1' }).thenNothingHappened();
    await spec.given([placed, cancelled]).when({ type: 'cancel', orderId: 'o-1', reason: 'again' }).thenNothingHappened();
  });
});
