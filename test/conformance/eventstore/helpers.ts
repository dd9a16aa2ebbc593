import type { TestContext } from 'node:test';
import type { Inbox } from '../../../src/consumer/middleware/dedup.js';
import { createEvent, keyOf, type CloudEvent } from '../../../src/core/envelope.js';
import { defineProjection, on, type ProjectionDefinition, type ProjectionEventContext, type ProjectionSource } from '../../../src/eventstore/projection.js';
import type { ProjectionRunnerOptions } from '../../../src/eventstore/projection-status.js';
import type { ProjectionStore } from '../../../src/eventstore/projection-store.js';
import type { Outbox } from '../../../src/eventstore/outbox.js';
import type { EventLog } from '../../../src/log/types.js';

/** A read model of counters the suite's projections write through the store's transaction. */
export interface CounterModel<Tx> {
  create(tx: Tx, table: string): void;
  drop(tx: Tx, table: string): void;
  add(tx: Tx, table: string, key: string, by: number): void;
  /** Committed counts; undefined when the table does not exist. */
  read(table: string): Record<string, number> | undefined;
}

/** One backend's event-store pieces on fresh storage. */
export interface EventStoreFixture<Tx = unknown> {
  log: EventLog;
  store: ProjectionStore<Tx>;
  model: CounterModel<Tx>;
  outbox: Outbox;
  /** Writes business row `id` and enqueues `events` in one transaction; with `fail`, throws after both (rolled back). */
  commitBusiness(id: string, topic: string, events: readonly CloudEvent[], fail?: boolean): void;
  businessRows(): string[];
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
  /** Runs before each event is applied, inside the transaction; may throw to fail the event. */
  spy?: (event: CloudEvent<OrderData>, ctx: ProjectionEventContext<Tx>) => void;
}

/** Counts handled events per key and in `total`, in table `<name>_v<version>` (name default `counts`). */
export function counter<Tx>(model: CounterModel<Tx>, options: CounterOptions<Tx> = {}): ProjectionDefinition<Tx> {
  const apply = (event: CloudEvent<unknown>, ctx: ProjectionEventContext<Tx>): void => {
    options.spy?.(event as CloudEvent<OrderData>, ctx);
    model.add(ctx.tx, ctx.table(ctx.name), keyOf(event) ?? 'none', 1);
    model.add(ctx.tx, ctx.table(ctx.name), 'total', 1);
  };
  return defineProjection<Tx>({
    name: options.name ?? 'counts',
    version: options.version ?? 1,
    source: options.source ?? { topics: ['orders'] },
    setup: (ctx) => { model.create(ctx.tx, ctx.table(ctx.name)); },
    drop: (ctx) => { model.drop(ctx.tx, ctx.table(ctx.name)); },
    handlers: [on('order.placed', apply), on('order.paid', apply)],
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
