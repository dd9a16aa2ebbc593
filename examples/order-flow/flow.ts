import type { Herald, Subscription } from '../../src/index.js';
import { uuidv7 } from '../../src/index.js';
import { orderCommands } from './order-commands.js';
import { startServices, type FlowOptions, type FlowState } from './services.js';

/** `eventId`: the order.placed event's id, which is also the correlation id of everything that follows. */
export interface PlacedOrder { orderId: string; eventId: string; declined: boolean }

const CUSTOMERS = ['ada@example.com', 'grace@example.com', 'alan@example.com', 'edsger@example.com'];

/** Places `count` orders (the `place` command); every `declineEvery`-th one pays with a card that is declined. */
export async function placeOrders(h: Herald, count: number, declineEvery = 4): Promise<PlacedOrder[]> {
  const orders = orderCommands(h);
  const placed: PlacedOrder[] = [];
  for (let i = 1; i <= count; i++) {
    const orderId = uuidv7().slice(-8); // the random tail: the stream is order-<orderId>
    const declined = i % declineEvery === 0;
    const eventId = await orders.place({
      orderId,
      customer: CUSTOMERS[i % CUSTOMERS.length]!,
      items: [{ sku: i % 2 ? 'book' : 'lamp', qty: 1 + (i % 3) }],
      total: 19.9 * i,
      card: declined ? '0000-0000' : '4242-4242',
    });
    placed.push({ orderId, eventId, declined });
  }
  return placed;
}

/** Resolves when every order has been confirmed or cancelled and its email sent. */
export async function settled(state: FlowState, orders: readonly PlacedOrder[], timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const done = (o: PlacedOrder): boolean => state.emails.some((e) => e.startsWith(`${o.orderId}:`));
  // Analytics is its own group and may trail the emails: it must have counted every outcome too.
  const counted = (): boolean => (state.analytics['order.confirmed'] ?? 0) + (state.analytics['order.cancelled'] ?? 0) >= orders.length;
  while (!orders.every(done) || !counted()) {
    if (Date.now() > deadline) throw new Error(`order flow did not settle: ${orders.filter((o) => !done(o)).map((o) => o.orderId).join(', ')}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export async function runOrderFlow(h: Herald, count: number, options: FlowOptions = {}): Promise<{ state: FlowState; orders: PlacedOrder[]; subscriptions: Subscription[] }> {
  const { state, subscriptions } = startServices(h, options);
  const orders = await placeOrders(h, count);
  await settled(state, orders);
  return { state, orders, subscriptions };
}
