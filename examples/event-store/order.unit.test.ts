import { describe, it } from 'node:test';
import { DeciderSpecification } from '../../src/eventstore/index.js';
import { order } from './order.js';

const placed = { type: 'order.placed', data: { orderId: 'o-1', total: 42 } } as const;

describe('the order decider (given / when / then)', () => {
  const spec = DeciderSpecification.for(order);

  it('places a new order', () => spec.when({ type: 'place', orderId: 'o-1', total: 42 }).then([placed]));
  it('refuses to place it twice', () => spec.given([placed]).when({ type: 'place', orderId: 'o-1', total: 1 }).thenThrows(/already exists/));
  it('ships a placed order', () => spec.given([placed]).when({ type: 'ship', carrier: 'ups' })
    .then([{ type: 'order.shipped', data: { orderId: 'o-1', carrier: 'ups' } }]));
  it('cancelling twice appends nothing the second time', () => spec
    .given([placed, { type: 'order.cancelled', data: { orderId: 'o-1', reason: 'x' } }])
    .when({ type: 'cancel', reason: 'again' }).thenNothingHappened());
  it('cannot cancel a shipped order', () => spec
    .given([placed, { type: 'order.shipped', data: { orderId: 'o-1', carrier: 'ups' } }])
    .when({ type: 'cancel', reason: 'late' }).thenThrows(/shipped/));
});
