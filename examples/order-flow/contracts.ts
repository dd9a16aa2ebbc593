import { z } from 'zod';
import { defineEvent } from '../../src/index.js';

/** The order flow's event contracts: one place that says what each event carries. */
export const OrderPlaced = defineEvent({
  type: 'order.placed',
  schema: z.object({
    orderId: z.string(),
    customer: z.string().email(),
    items: z.array(z.object({ sku: z.string(), qty: z.number().int().positive() })).min(1),
    total: z.number().positive(),
    card: z.string(),
  }),
});
export const PaymentCaptured = defineEvent({ type: 'payment.captured', schema: z.object({ orderId: z.string(), amount: z.number() }) });
export const PaymentFailed = defineEvent({ type: 'payment.failed', schema: z.object({ orderId: z.string(), reason: z.string() }) });
export const StockReserved = defineEvent({ type: 'stock.reserved', schema: z.object({ orderId: z.string(), items: z.array(z.object({ sku: z.string(), qty: z.number() })) }) });
export const StockReleased = defineEvent({ type: 'stock.released', schema: z.object({ orderId: z.string(), items: z.array(z.object({ sku: z.string(), qty: z.number() })) }) });
export const OrderConfirmed = defineEvent({ type: 'order.confirmed', schema: z.object({ orderId: z.string() }) });
export const OrderCancelled = defineEvent({ type: 'order.cancelled', schema: z.object({ orderId: z.string(), reason: z.string() }) });
export const NotificationSent = defineEvent({ type: 'notification.sent', schema: z.object({ orderId: z.string(), to: z.string(), template: z.string() }) });

export const ALL_CONTRACTS = [OrderPlaced, PaymentCaptured, PaymentFailed, StockReserved, StockReleased, OrderConfirmed, OrderCancelled, NotificationSent];
/** What an order's stream holds (order.ts): its decider's events. */
export const ORDER_CONTRACTS = [OrderPlaced, OrderConfirmed, OrderCancelled];

/**
 * Each order is an event-sourced stream `order-<id>`; a stream's events land, in the same
 * transaction, on the topic named after its category (`order`), where the services subscribe.
 */
export const ORDER_TOPIC = 'order';
export const TOPICS = [ORDER_TOPIC, 'payments', 'inventory', 'notifications'] as const;
export const SOURCE = 'urn:herald:example:order-flow';
