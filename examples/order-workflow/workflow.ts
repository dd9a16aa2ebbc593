import { defineWorkflow, isHeraldError, runSaga, type CloudEvent, type Duration } from '../../src/index.js';
import { OrderCancelled, OrderConfirmed, OrderPlaced, PaymentCaptured, PaymentRefunded, ShipmentSent, StockReleased, StockReserved } from './contracts.js';
import type { Services } from './services.js';

type Placed = { orderId: string; items: { sku: string; qty: number }[]; total: number; card: string };
export interface OrderOutcome { status: 'confirmed' | 'cancelled'; detail: string }

/**
 * The order flow as one workflow, started by each `order.placed` on the topic `orders` (the
 * instance id is the order id, so a redelivered event starts nothing new): charge the payment,
 * reserve the stock, wait for the shipment. If a step fails for good or the shipment does not
 * come in time, what was done is undone in reverse (stock released, payment refunded), each undo
 * a durable step publishing its compensating event, and the order is cancelled.
 */
export function orderWorkflow(services: Services, shipWithin: Duration = '3s') {
  return defineWorkflow('order', {
    version: 1,
    retry: { maxAttempts: 3, backoff: { initial: 50, max: 200 } },
    trigger: { topic: 'orders', type: OrderPlaced, id: (e: CloudEvent) => (e.data as Placed).orderId },
  }, async (ctx, order: Placed): Promise<OrderOutcome> => {
    const { orderId, items, total, card } = order;
    try {
      const carrier = await runSaga(ctx, async (s) => {
        await s.step('charge payment', async (step) => {
          services.charge(orderId, total, card);
          await step.publish('payments', PaymentCaptured, { orderId, amount: total }, { key: orderId });
        }, {
          compensate: async (step) => { services.refund(orderId); await step.publish('payments', PaymentRefunded, { orderId, amount: total }, { key: orderId }); },
        });
        await s.step('reserve stock', async (step) => {
          services.reserve(orderId, items);
          await step.publish('inventory', StockReserved, { orderId, items }, { key: orderId });
        }, {
          compensate: async (step) => { services.release(orderId, items); await step.publish('inventory', StockReleased, { orderId, items }, { key: orderId }); },
        });
        const shipped = await ctx.waitForEvent(ShipmentSent, { orderId }, { topic: 'shipping', timeout: shipWithin });
        if (!shipped) throw new Error(`not shipped within ${String(shipWithin)}`);
        return shipped.data!.carrier;
      });
      await ctx.publish('orders', OrderConfirmed, { orderId, carrier }, { key: orderId });
      return { status: 'confirmed', detail: carrier };
    } catch (error) {
      if (isHeraldError(error, 'HERALD_E_NONDETERMINISTIC')) throw error;
      const reason = error instanceof Error ? error.message.replace(/^.*?: /, '') : String(error);
      await ctx.publish('orders', OrderCancelled, { orderId, reason }, { key: orderId });
      return { status: 'cancelled', detail: reason };
    }
  });
}
