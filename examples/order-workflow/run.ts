import type { Herald } from '../../src/index.js';
import { startWorkflowRunner, type WorkflowRunner } from '../../src/index.js';
import { OrderPlaced, ShipmentSent, StockReserved } from './contracts.js';
import { Services } from './services.js';
import { orderWorkflow, type OrderOutcome } from './workflow.js';

export interface DemoOrder { orderId: string; items: { sku: string; qty: number }[]; total: number; card: string }

/** Four orders: one ships, one's card is declined, one never ships (timeout), one asks for more lamps than there are. */
export function demoOrders(prefix: string): DemoOrder[] {
  return [
    { orderId: `${prefix}-1`, items: [{ sku: 'book', qty: 2 }], total: 30, card: '4242' },
    { orderId: `${prefix}-2`, items: [{ sku: 'book', qty: 1 }], total: 15, card: '0000' },
    { orderId: `${prefix}-3`, items: [{ sku: 'lamp', qty: 1 }], total: 40, card: '4242' },
    { orderId: `${prefix}-4`, items: [{ sku: 'lamp', qty: 9 }], total: 360, card: '4242' },
  ];
}

/**
 * Runs the order workflow on `h`: a shipping service ships every reserved order except lamps
 * (their shipment never comes, the wait times out and the order is compensated).
 */
export async function runOrderWorkflow(h: Herald, orders: readonly DemoOrder[], shipWithin = '1500ms' as const): Promise<{ services: Services; runner: WorkflowRunner; outcomes: Map<string, OrderOutcome> }> {
  const services = new Services();
  const runner = await startWorkflowRunner(h.log, { workflows: [orderWorkflow(services, shipWithin)], pollInterval: 25 });
  const shipping = h.subscribe<{ orderId: string; items: { sku: string }[] }>('inventory', { group: 'shipping', pollInterval: 25 }, async (event, ctx) => {
    if (!StockReserved.is(event) || event.data!.items.some((i) => i.sku === 'lamp')) return; // the lamp courier never turns up
    await ctx.publish('shipping', ShipmentSent, { orderId: event.data!.orderId, carrier: 'dhl' }, { key: event.data!.orderId });
  });
  for (const order of orders) await h.publish('orders', OrderPlaced, order, { key: order.orderId });
  const outcomes = new Map<string, OrderOutcome>();
  try {
    for (const order of orders) outcomes.set(order.orderId, await runner.result<OrderOutcome>({ workflow: 'order', id: order.orderId }, { timeout: '30s' }));
  } finally {
    await shipping.close();
  }
  return { services, runner, outcomes };
}
