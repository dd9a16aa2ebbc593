import type { Herald, Subscription } from '../../src/index.js';
import { NonRetryableError, validate } from '../../src/index.js';
import { followUp } from '../../src/publisher.js';
import {
  ALL_CONTRACTS, NotificationSent, ORDER_TOPIC, PaymentCaptured, PaymentFailed, StockReleased, StockReserved,
} from './contracts.js';
import { orderCommands } from './order-commands.js';
import { orderStream } from './order.js';

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
  /**
   * The emails this says yes to bounce: the notification fails for good (a dead letter) while it
   * does. Flip it, redrive the dead letter, and the email goes out (the console's browser test).
   */
  bouncingEmails?: (orderId: string, template: 'order-confirmed' | 'order-cancelled') => boolean;
}

/**
 * The order flow's services. Each is a consumer group: payment, inventory, the order saga,
 * notification and analytics. A failed payment is compensated: the order is cancelled and its
 * stock released. The saga does not publish order events: it sends commands to the order
 * aggregate (order-commands.ts), whose stream's events reach the topic `order`.
 */
export function startServices(h: Herald, options: FlowOptions = {}): { state: FlowState; subscriptions: Subscription[] } {
  const say = options.say ?? (() => undefined);
  let flaky = options.flakyEmails ?? 0;
  const state: FlowState = { stock: new Map([['book', 100], ['lamp', 20], ['chair', 5]]), reserved: new Map(), analytics: {}, emails: [] };
  const cancelled = new Set<string>();
  const orders = orderCommands(h);
  const common = { middleware: [validate(ALL_CONTRACTS)], backoff: { initial: 20, max: 200 }, pollInterval: 50 } as const;
  type Order = { orderId: string; customer: string; items: Items; total: number; card: string };

  const payment = h.subscribe<Order>(ORDER_TOPIC, { ...common, group: 'payment' }, async (event, ctx) => {
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

  const reserve = h.subscribe<Order>(ORDER_TOPIC, { ...common, group: 'inventory' }, async (event, ctx) => {
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

  // A redelivered payment event is harmless: confirming a confirmed order appends nothing.
  const saga = h.subscribe<{ orderId: string; reason?: string }>('payments', { ...common, group: 'order-saga' }, async (event) => {
    const { orderId } = event.data!;
    const command = event.type === 'payment.captured' ? { type: 'confirm' as const, orderId }
      : event.type === 'payment.failed' ? { type: 'cancel' as const, orderId, reason: event.data!.reason! } : undefined;
    if (!command) return;
    const revision = await orders.run(command, followUp(event));
    const where = revision === undefined ? '' : ` (${orderStream(orderId)} revision ${revision})`;
    say(`order       ${orderId}: ${command.type === 'confirm' ? 'confirmed' : 'cancelled'}${where}`);
  });

  const notify = h.subscribe<{ orderId: string }>(ORDER_TOPIC, { ...common, group: 'notification' }, async (event, ctx) => {
    if (event.type !== 'order.confirmed' && event.type !== 'order.cancelled') return;
    const template = event.type === 'order.confirmed' ? 'order-confirmed' : 'order-cancelled';
    if (options.bouncingEmails?.(event.data!.orderId, template)) {
      say(`notification ${event.data!.orderId}: mailbox does not exist (dead letter)`);
      throw new NonRetryableError(`mailbox of ${event.data!.orderId} does not exist`);
    }
    if (flaky > 0) {
      flaky--;
      say(`notification ${event.data!.orderId}: mail server timed out (attempt ${ctx.delivery.attempt}, will retry)`);
      throw new Error('SMTP timeout');
    }
    state.emails.push(`${event.data!.orderId}:${template}`);
    say(`notification ${event.data!.orderId}: sent ${template} email`);
    await ctx.publish('notifications', NotificationSent, { orderId: event.data!.orderId, to: 'customer', template }, { key: event.data!.orderId });
  });

  const analytics = h.subscribe(ORDER_TOPIC, { ...common, group: 'analytics' }, (event) => {
    state.analytics[event.type] = (state.analytics[event.type] ?? 0) + 1;
  });

  return { state, subscriptions: [payment, reserve, compensate, saga, notify, analytics] };
}
