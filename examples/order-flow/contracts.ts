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
export const TOPICS = ['orders', 'payments', 'inventory', 'notifications'] as const;
