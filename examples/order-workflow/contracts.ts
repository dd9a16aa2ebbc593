import { z } from 'zod';
import { defineEvent } from '../../src/index.js';

const items = z.array(z.object({ sku: z.string(), qty: z.number().int().positive() })).min(1);

/** The order workflow's events: what starts it, what its steps publish, and the compensating ones. */
export const OrderPlaced = defineEvent({ type: 'order.placed', schema: z.object({ orderId: z.string(), items, total: z.number().positive(), card: z.string() }) });
export const PaymentCaptured = defineEvent({ type: 'payment.captured', schema: z.object({ orderId: z.string(), amount: z.number() }) });
export const PaymentRefunded = defineEvent({ type: 'payment.refunded', schema: z.object({ orderId: z.string(), amount: z.number() }) });
export const StockReserved = defineEvent({ type: 'stock.reserved', schema: z.object({ orderId: z.string(), items }) });
export const StockReleased = defineEvent({ type: 'stock.released', schema: z.object({ orderId: z.string(), items }) });
export const ShipmentSent = defineEvent({ type: 'shipment.sent', schema: z.object({ orderId: z.string(), carrier: z.string() }) });
export const OrderConfirmed = defineEvent({ type: 'order.confirmed', schema: z.object({ orderId: z.string(), carrier: z.string() }) });
export const OrderCancelled = defineEvent({ type: 'order.cancelled', schema: z.object({ orderId: z.string(), reason: z.string() }) });

export const SOURCE = 'urn:herald:example:order-workflow';
