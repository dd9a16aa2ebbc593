// The order aggregate as a decider: contracts, events, commands, state, and three pure functions.
// docs/event-store.md shows the part between the markers (a test keeps the two equal).
// DOC:begin
import { z } from 'zod';
import { defineEvent } from '../../src/core/contract.js';
import type { Decider, EventOf } from '../../src/eventstore/index.js';

// Version 2 renamed `amount` to `total`; version-1 events are upcast when read.
export const OrderPlaced = defineEvent({
  type: 'order.placed', version: 2,
  schema: z.object({ orderId: z.string(), total: z.number().positive() }),
  upcast: { 1: (data) => { const { amount, ...rest } = data as { orderId: string; amount: number }; return { ...rest, total: amount }; } },
});
export const OrderShipped = defineEvent({ type: 'order.shipped', schema: z.object({ orderId: z.string(), carrier: z.string() }) });
export const OrderCancelled = defineEvent({ type: 'order.cancelled', schema: z.object({ orderId: z.string(), reason: z.string() }) });
export const orderContracts = [OrderPlaced, OrderShipped, OrderCancelled];

export type OrderEvent =
  | EventOf<'order.placed', typeof OrderPlaced>
  | EventOf<'order.shipped', typeof OrderShipped>
  | EventOf<'order.cancelled', typeof OrderCancelled>;
export type OrderCommand =
  | { type: 'place'; orderId: string; total: number }
  | { type: 'ship'; carrier: string }
  | { type: 'cancel'; reason: string };
export interface Order { status: 'none' | 'placed' | 'shipped' | 'cancelled'; orderId: string; total: number }

export const order: Decider<Order, OrderCommand, OrderEvent> = {
  initialState: () => ({ status: 'none', orderId: '', total: 0 }),
  evolve(state, event) {
    switch (event.type) {
      case 'order.placed': return { status: 'placed', orderId: event.data.orderId, total: event.data.total };
      case 'order.shipped': return { ...state, status: 'shipped' };
      case 'order.cancelled': return { ...state, status: 'cancelled' };
    }
  },
  decide(command, state) {
    switch (command.type) {
      case 'place':
        if (state.status !== 'none') throw new Error(`order ${state.orderId} already exists`);
        return [{ type: 'order.placed', data: { orderId: command.orderId, total: command.total } }];
      case 'ship':
        if (state.status !== 'placed') throw new Error(`cannot ship an order that is ${state.status}`);
        return [{ type: 'order.shipped', data: { orderId: state.orderId, carrier: command.carrier } }];
      case 'cancel':
        if (state.status === 'cancelled') return []; // already done: nothing to append
        if (state.status !== 'placed') throw new Error(`cannot cancel an order that is ${state.status}`);
        return [{ type: 'order.cancelled', data: { orderId: state.orderId, reason: command.reason } }];
    }
  },
};
// DOC:end
