import type { Herald, Subscription } from '../../src/index.js';
import { NonRetryableError, validate } from '../../src/index.js';
import {
  ALL_CONTRACTS, NotificationSent, OrderCancelled, OrderConfirmed, PaymentCaptured, PaymentFailed, StockReleased, StockReserved,
} from './contracts.js';

type Items = { sku: string; qty: number }[];
export interface FlowState {
  stock: Map<string, number>;
  reserved: Map<string, Items>;
  analytics: Record<string, number>;
  emails: string[];
}

export interface FlowOptions {
  /** Called with one line per thing that happens. */
  say?: (line: string) => void;
  /** Makes the email provider fail this many times before it works (shows retries). */
  flakyEmails?: number;
}

/**
 * The order flow's services. Each is a consumer group: payment, inventory, the order saga,
 * notification and analytics. A failed payment is compensated: the order is cancelled and its
 * stock released.
 */
export function startServices(h: Herald, options: FlowOptions = {}): { state: FlowState; subscriptions: Subscription[] } {
  const say = options.say ?? (() => undefined);
  let flaky = options.flakyEmails ?? 0;
  const state: FlowState = { stock: new Map([['book', 100], ['lamp', 20], ['chair', 5]]), reserved: new Map(), analytics: {}, emails: [] };
  const cancelled = new Set<string>();
  const common = { middleware: [validate(ALL_CONTRACTS)], backoff: { initial: 20, max: 200 }, pollInterval: 50 } as const;
  type Order = { orderId: string; customer: string; items: Items; total: number; card: string };

  const payment = h.subscribe<Order>('orders', { ...common, group: 'payment' }, async (event, ctx) => {
    if (event.type !== 'order.placed') return;
    const { orderId, total, card } = event.data!;
    if (card.startsWith('0000')) {
      say(`payment     ${orderId}: card declined`);
      await ctx.publish('payments', PaymentFailed, { orderId, reason: 'card declined' }, { key: orderId });
    } else {
      say(`payment     ${orderId}: captured ${total.toFixed(2)}`);
      await ctx.publish('payments', PaymentCaptured, { orderId, amount: total }, { key: orderId });
    }
  });

  const reserve = h.subscribe<Order>('orders', { ...common, group: 'inventory' }, async (event, ctx) => {
    if (event.type !== 'order.placed') return;
    const { orderId, items } = event.data!;
    if (cancelled.has(orderId)) return; // the payment failed before we got here: nothing to reserve
    for (const { sku, qty } of items) {
      if ((state.stock.get(sku) ?? 0) < qty) throw new NonRetryableError(`out of stock: ${sku}`);
    }
    for (const { sku, qty } of items) state.stock.set(sku, state.stock.get(sku)! - qty);
    state.reserved.set(orderId, items);
    say(`inventory   ${orderId}: reserved ${items.map((i) => `${i.qty}×${i.sku}`).join(', ')}`);
    await ctx.publish('inventory', StockReserved, { orderId, items }, { key: orderId });
  });

  const compensate = h.subscribe<{ orderId: string }>('payments', { ...common, group: 'inventory' }, async (event, ctx) => {
    if (event.type !== 'payment.failed') return;
    const { orderId } = event.data!;
    cancelled.add(orderId);
    const items = state.reserved.get(orderId);
    if (!items) return;
    for (const { sku, qty } of items) state.stock.set(sku, (state.stock.get(sku) ?? 0) + qty);
    state.reserved.delete(orderId);
    say(`inventory   ${orderId}: released stock (compensation)`);
    await ctx.publish('inventory', StockReleased, { orderId, items }, { key: orderId });
  });

  const saga = h.subscribe<{ orderId: string; reason?: string }>('payments', { ...common, group: 'order-saga' }, async (event, ctx) => {
    const { orderId } = event.data!;
    if (event.type === 'payment.captured') await ctx.publish('orders', OrderConfirmed, { orderId }, { key: orderId });
    if (event.type === 'payment.failed') await ctx.publish('orders', OrderCancelled, { orderId, reason: event.data!.reason! }, { key: orderId });
  });

  const notify = h.subscribe<{ orderId: string }>('orders', { ...common, group: 'notification' }, async (event, ctx) => {
    if (event.type !== 'order.confirmed' && event.type !== 'order.cancelled') return;
    if (flaky > 0) {
      flaky--;
      say(`notification ${event.data!.orderId}: mail server timed out (attempt ${ctx.delivery.attempt}, will retry)`);
      throw new Error('SMTP timeout');
    }
    const template = event.type === 'order.confirmed' ? 'order-confirmed' : 'order-cancelled';
    state.emails.push(`${event.data!.orderId}:${template}`);
    say(`notification ${event.data!.orderId}: sent ${template} email`);
    await ctx.publish('notifications', NotificationSent, { orderId: event.data!.orderId, to: 'customer', template }, { key: event.data!.orderId });
  });

  const analytics = h.subscribe('orders', { ...common, group: 'analytics' }, (event) => {
    state.analytics[event.type] = (state.analytics[event.type] ?? 0) + 1;
  });

  return { state, subscriptions: [payment, reserve, compensate, saga, notify, analytics] };
}
