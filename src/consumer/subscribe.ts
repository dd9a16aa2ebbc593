import type { TransactionalLog, EventLog } from '../log/types.js';
import type { CloudEvent } from '../core/envelope.js';
import { HeraldError } from '../core/errors.js';
import { isTransactional } from '../log/types.js';
import { Runner } from './runner.js';
import type { Handler, HandlerContext, Middleware, SubscribeOptions, Subscription } from './types.js';

/** Wraps `handler` in `middleware`, the first one outermost. */
export function compose(middleware: readonly Middleware[], handler: Handler): Handler {
  return middleware.reduceRight<Handler>((next, mw) => mw(next), handler);
}

/** Runs `handler` for every event of `topic` in consumer group `options.group`, at least once. */
export function subscribe<T = unknown>(log: EventLog, topic: string, options: SubscribeOptions, handler: Handler<T>): Subscription {
  const run = compose(options.middleware ?? [], handler as Handler);
  return new Runner(log, topic, options, async (d, ctx, settle) => {
    await run(d.event, ctx);
    settle.send({ kind: 'ack', position: d.position, leaseId: d.leaseId });
  });
}

/** A handler that writes its effects through `tx`, the transaction that also records its ack. */
export type TransactionalHandler<T, Tx> = (event: CloudEvent<T>, tx: Tx, ctx: HandlerContext) => void;

/**
 * Exactly-once effects for local state: the handler's writes and the ack commit in one
 * transaction (on backends with `transactionalAck`, i.e. sqlite). The handler is synchronous,
 * because the transaction must not span an await. A lease lost meanwhile rolls the writes back.
 */
export function subscribeTransactional<T = unknown, Tx = unknown>(
  log: EventLog, topic: string, options: Omit<SubscribeOptions, 'middleware'>, handler: TransactionalHandler<T, Tx>,
): Subscription {
  if (!isTransactional(log)) {
    throw new HeraldError('HERALD_E_UNSUPPORTED', `the ${log.backend} backend cannot commit a handler's writes with its ack (capability transactionalAck)`);
  }
  const tlog = log as TransactionalLog<Tx>;
  return new Runner(log, topic, options, async (d, ctx) => {
    tlog.ackWith(d, (tx) => handler(d.event as CloudEvent<T>, tx, ctx));
  });
}
