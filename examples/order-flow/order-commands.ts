import type { Herald } from '../../src/index.js';
import { commandHandler, hasStreams, type EventEnvelope } from '../../src/index.js';
import { OrderCancelled, OrderConfirmed, ORDER_CONTRACTS, ORDER_TOPIC, OrderPlaced, SOURCE } from './contracts.js';
import { order, orderStream, type OrderCommand } from './order.js';

type NewOrder = Extract<OrderCommand, { type: 'place' }>['order'];

export interface OrderCommands {
  /**
   * True when the log keeps streams (sqlite, memory, the remote client of a server on one of
   * them): each order is the stream `order-<id>`, the source of truth. False on a log without
   * streams: see `orderCommands`.
   */
  readonly eventSourced: boolean;
  /**
   * Runs a command on its order; `envelope` carries the correlation and causation of what caused
   * it. Resolves with the order stream's revision after it (undefined without streams); rejects
   * with OrderRefused when the order's rules refuse it.
   */
  run(command: OrderCommand, envelope?: EventEnvelope): Promise<number | undefined>;
  /** Places a new order; resolves with its order.placed event's id, the correlation id of all that follows. */
  place(order: NewOrder): Promise<string>;
}

const orderIdOf = (command: OrderCommand): string => (command.type === 'place' ? command.order.orderId : command.orderId);
/** Keyed by the order id, like the payment and inventory events of the same order. */
const envelopeOf = (command: OrderCommand, envelope: EventEnvelope): EventEnvelope => ({ ...envelope, source: SOURCE, key: orderIdOf(command) });

/**
 * The order aggregate's command side. On a log with streams, `handleCommand` loads the order's
 * stream, decides, and appends expecting the revision it loaded (retrying on a concurrent
 * append); the events reach the topic `order` in the append's transaction. On a log without
 * streams (the broker backends, or a server on one of them), the fallback publishes the same
 * events straight to the topic `order`: the flow runs the same, but without the aggregate's
 * history and rules.
 */
export function orderCommands(h: Herald): OrderCommands {
  const { log } = h;
  if (hasStreams(log)) {
    const handle = commandHandler(log.streams, order, { contracts: ORDER_CONTRACTS });
    const run = async (command: OrderCommand, envelope: EventEnvelope = {}): Promise<number> =>
      (await handle(orderStream(orderIdOf(command)), command, { envelope: envelopeOf(command, envelope) })).revision;
    return {
      eventSourced: true,
      run,
      async place(data) {
        await run({ type: 'place', order: data });
        for await (const placed of log.streams.readStream(orderStream(data.orderId), { limit: 1 })) return placed.event.id;
        throw new Error(`order ${data.orderId} was placed but its stream is empty`);
      },
    };
  }
  const publish = async (command: OrderCommand, envelope: EventEnvelope = {}): Promise<string> => {
    const options = envelopeOf(command, envelope);
    switch (command.type) {
      case 'place': return (await h.publish(ORDER_TOPIC, OrderPlaced, command.order, options)).id;
      case 'confirm': return (await h.publish(ORDER_TOPIC, OrderConfirmed, { orderId: command.orderId }, options)).id;
      case 'cancel': return (await h.publish(ORDER_TOPIC, OrderCancelled, { orderId: command.orderId, reason: command.reason }, options)).id;
    }
  };
  return {
    eventSourced: false,
    run: async (command, envelope) => { await publish(command, envelope); return undefined; },
    place: (data) => publish({ type: 'place', order: data }),
  };
}
