import type { TestContext } from 'node:test';
import type { Inbox } from '../../../src/consumer/middleware/dedup.js';
import { createEvent, keyOf, type CloudEvent } from '../../../src/core/envelope.js';
import {
  defineProjection, on,
  type ProjectionContext, type ProjectionDefinition, type ProjectionEventContext, type ProjectionHandler, type ProjectionSource,
} from '../../../src/eventstore/projection.js';
import type { ProjectionRunnerOptions } from '../../../src/eventstore/projection-status.js';
import type { AnyProjectionStore } from '../../../src/eventstore/projection-store.js';
import type { OutboxSource } from '../../../src/eventstore/outbox.js';
import { andThen, type MaybePromise } from '../../../src/eventstore/projection-then.js';
import type { EventLog } from '../../../src/log/types.js';

/**
 * A read model of counters the suite's projections write through the store's transaction.
 * Synchronous on sqlite and memory; promises on PostgreSQL (whose handlers may be async).
 */
export interface CounterModel<Tx> {
  create(tx: Tx, table: string): MaybePromise<void>;
  drop(tx: Tx, table: string): MaybePromise<void>;
  add(tx: Tx, table: string, key: string, by: number): MaybePromise<void>;
  /** Committed counts; undefined when the table does not exist. */
  read(table: string): MaybePromise<Record<string, number> | undefined>;
}

/** One backend's event-store pieces on fresh storage. */
export interface EventStoreFixture<Tx = unknown> {
  log: EventLog;
  store: AnyProjectionStore<Tx>;
  model: CounterModel<Tx>;
  outbox: OutboxSource;
  /**
   * Writes business row `id` and enqueues `events` in one transaction; with `fail`, throws after
   * both (rolled back). Throws (or rejects) as the outbox's enqueue does on wrong arguments.
   */
  commitBusiness(id: string, topic: string, events: readonly CloudEvent[], fail?: boolean): MaybePromise<void>;
  businessRows(): MaybePromise<string[]>;
  inbox: Inbox;
  close(): Promise<void>;
}

export interface EventStoreTarget<Tx = unknown> {
  name: string;
  /** Fresh storage each call. */
  open(): Promise<EventStoreFixture<Tx>>;
  /** The storage of the latest `open()` again, as a restarted process sees it (durable backends). */
  reopen?(): Promise<EventStoreFixture<Tx>>;
}

/** The body of one `it` on a fresh fixture; `restart` closes and reopens it where the target can. */
export type FixtureTest<Tx> = (fx: EventStoreFixture<Tx>, tools: { restart: () => Promise<EventStoreFixture<Tx>>; t: TestContext }) => Promise<void>;

export function withFixture<Tx>(target: EventStoreTarget<Tx>, body: FixtureTest<Tx>): (t: TestContext) => Promise<void> {
  return async (t) => {
    let fx = await target.open();
    const restart = async (): Promise<EventStoreFixture<Tx>> => {
      if (!target.reopen) return fx;
      await fx.close();
      fx = await target.reopen();
      return fx;
    };
    try {
      await body(fx, { restart, t });
    } finally {
      await fx.close();
    }
  };
}

export interface OrderData { n: number }

/** Events n = start..start+count-1: `order.placed`/`order.paid` (handled), every fifth `order.noise` (not). */
export function orders(count: number, start = 0): CloudEvent<OrderData>[] {
  return Array.from({ length: count }, (_, i) => {
    const n = start + i;
    const type = n % 5 === 4 ? 'order.noise' : n % 2 === 0 ? 'order.placed' : 'order.paid';
    return createEvent<OrderData>({ type, key: `k${n % 3}`, data: { n } });
  });
}

/** The counts a counter projection must reach for `events`. */
export function expectedCounts(events: readonly CloudEvent[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const e of events) {
    if (e.type === 'order.noise') continue;
    for (const key of [keyOf(e)!, 'total']) counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

export interface CounterOptions<Tx> {
  name?: string;
  version?: number;
  source?: ProjectionSource;
  /** Runs before each event is applied, inside the transaction; may throw (or reject) to fail the event. */
  spy?: (event: CloudEvent<OrderData>, ctx: ProjectionEventContext<Tx>) => MaybePromise<void>;
}

/** Counts handled events per key and in `total`, in table `<name>_v<version>` (name default `counts`). */
export function counter<Tx>(model: CounterModel<Tx>, options: CounterOptions<Tx> = {}): ProjectionDefinition<Tx> {
  // Synchronous as long as the model and the spy are (sqlite, memory); chained promises otherwise.
  const apply = (event: CloudEvent<unknown>, ctx: ProjectionEventContext<Tx>): MaybePromise<void> => {
    const table = ctx.table(ctx.name);
    return andThen(options.spy?.(event as CloudEvent<OrderData>, ctx), () =>
      andThen(model.add(ctx.tx, table, keyOf(event) ?? 'none', 1), () => model.add(ctx.tx, table, 'total', 1)));
  };
  const handler = apply as ProjectionHandler<unknown, Tx>;
  return defineProjection<Tx>({
    name: options.name ?? 'counts',
    version: options.version ?? 1,
    source: options.source ?? { topics: ['orders'] },
    setup: ((ctx: ProjectionContext<Tx>) => model.create(ctx.tx, ctx.table(ctx.name))) as ProjectionDefinition<Tx>['setup'],
    drop: ((ctx: ProjectionContext<Tx>) => model.drop(ctx.tx, ctx.table(ctx.name))) as ProjectionDefinition<Tx>['drop'],
    handlers: [on('order.placed', handler), on('order.paid', handler)],
  });
}

/** Runner options that keep tests fast: quick polls and retries. */
export function quick<Tx>(fx: EventStoreFixture<Tx>, more: Partial<ProjectionRunnerOptions<Tx>> = {}): ProjectionRunnerOptions<Tx> {
  return { log: fx.log, store: fx.store, pollInterval: 20, backoff: { initial: 2, max: 5 }, ...more };
}

/** Resolves once `check()` is true; fails naming `what` after `ms`. */
export async function waitFor(check: () => boolean | Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
