// The order as an event-sourced aggregate: a decider over the stream `order-<id>`.
import type { Decider, EventData, EventOf } from '../../src/index.js';
import { NonRetryableError } from '../../src/index.js';
import type { OrderCancelled, OrderConfirmed, OrderPlaced } from './contracts.js';

export type OrderEvent =
  | EventOf<'order.placed', typeof OrderPlaced>
  | EventOf<'order.confirmed', typeof OrderConfirmed>
  | EventOf<'order.cancelled', typeof OrderCancelled>;

export type OrderCommand =
  | { type: 'place'; order: EventData<typeof OrderPlaced> }
  | { type: 'confirm'; orderId: string }
  | { type: 'cancel'; orderId: string; reason: string };

export type OrderStatus = 'placed' | 'confirmed' | 'cancelled';
export interface OrderState { status: 'new' | OrderStatus; orderId: string }

export const orderStream = (orderId: string): string => `order-${orderId}`;

/**
 * A command the order's rules refuse. Nothing is appended; a consumer that meets it does not
 * retry (it is a NonRetryableError: retrying cannot change the order's history) but dead-letters.
 */
export class OrderRefused extends NonRetryableError {
  constructor(orderId: string, command: OrderCommand['type'], status: OrderState['status']) {
    const why = status === 'new' ? 'it was never placed' : `it is ${status}`;
    super(`order ${orderId}: cannot ${command}: ${why}`, { details: { orderId, command, status } });
    this.name = 'OrderRefused';
  }
}

/**
 * The rules: an order is placed once; a placed order is confirmed (paid) or cancelled, never both.
 * Confirming a confirmed order, or cancelling a cancelled one, is a no-op, so a redelivered
 * payment event changes nothing.
 */
export const order: Decider<OrderState, OrderCommand, OrderEvent> = {
  initialState: () => ({ status: 'new', orderId: '' }),
  evolve(state, event) {
    switch (event.type) {
      case 'order.placed': return { status: 'placed', orderId: event.data.orderId };
      case 'order.confirmed': return { ...state, status: 'confirmed' };
      case 'order.cancelled': return { ...state, status: 'cancelled' };
    }
  },
  decide(command, state) {
    switch (command.type) {
      case 'place':
        if (state.status !== 'new') throw new OrderRefused(command.order.orderId, 'place', state.status);
        return [{ type: 'order.placed', data: command.order }];
      case 'confirm':
        if (state.status === 'confirmed') return [];
        if (state.status !== 'placed') throw new OrderRefused(command.orderId, 'confirm', state.status);
        return [{ type: 'order.confirmed', data: { orderId: command.orderId } }];
      case 'cancel':
        if (state.status === 'cancelled') return [];
        if (state.status !== 'placed') throw new OrderRefused(command.orderId, 'cancel', state.status);
        return [{ type: 'order.cancelled', data: { orderId: command.orderId, reason: command.reason } }];
    }
  },
};
