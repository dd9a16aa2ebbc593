// The read model "orders by status": one row per order, kept by a projection of the topic `order`.
import type { EventLog, MemoryTx, ProjectionContext, ProjectionDefinition, ProjectionRunner, ProjectionStore, SqlDatabase } from '../../src/index.js';
import { activeTable, defineProjection, MemoryProjectionStore, on, sqliteProjectionStore, startProjection, versionedTable } from '../../src/index.js';
import { OrderCancelled, OrderConfirmed, ORDER_TOPIC, OrderPlaced } from './contracts.js';
import type { OrderStatus } from './order.js';

export const READ_MODEL = 'orders-by-status';

/** `events`: how many of the order's events the row reflects (its stream's revision, on a log with streams). */
export interface OrderRow { orderId: string; status: OrderStatus; customer: string; total: number; events: number }

/** How the projection keeps rows on one kind of store (its transaction type `Tx`). */
interface Rows<Tx> {
  setup(ctx: ProjectionContext<Tx>): void;
  drop(ctx: ProjectionContext<Tx>): void;
  get(ctx: ProjectionContext<Tx>, orderId: string): OrderRow | undefined;
  put(ctx: ProjectionContext<Tx>, row: OrderRow): void;
  /** Every committed row of `table`, in any order. */
  all(table: string): OrderRow[];
}

export interface OrdersReadModel<Tx> {
  readonly store: ProjectionStore<Tx>;
  /** The projection at `version` (default 1): a new version is rebuilt from zero beside the active one (blue/green). */
  projection(version?: number): ProjectionDefinition<Tx>;
  /** Catches up from its checkpoint (zero the first time), then follows `log` live. */
  start(log: EventLog, options?: { version?: number; batchSize?: number; dropRetired?: boolean }): ProjectionRunner;
  /** The rows of `version` (default: the active one), by order id. */
  rows(version?: number): OrderRow[];
  /** Orders per status, from the active version. */
  countByStatus(): Record<string, number>;
}

/**
 * The projection: an order.placed makes a row, order.confirmed and order.cancelled move its
 * status. Handlers are synchronous and write through the batch's transaction, so each event
 * counts once, with the checkpoint. Source: the topic `order`, where every order stream's events
 * land (and, without streams, where the fallback publishes them); on a log with streams
 * `{ all: true, category: 'order' }` would read the same events from `$all`.
 */
function definition<Tx>(rows: Rows<Tx>, version: number): ProjectionDefinition<Tx> {
  const move = (status: OrderStatus) => (e: { data: { orderId: string } }, ctx: ProjectionContext<Tx>): void => {
    const row = rows.get(ctx, e.data.orderId);
    // Never skip: a read model missing an order would be silently wrong; a stopped one is visibly late.
    if (!row) throw new Error(`order ${e.data.orderId} is ${status} but was never placed`);
    rows.put(ctx, { ...row, status, events: row.events + 1 });
  };
  return defineProjection<Tx>({
    name: READ_MODEL,
    version,
    source: { topics: [ORDER_TOPIC] },
    setup: (ctx) => rows.setup(ctx),
    drop: (ctx) => rows.drop(ctx),
    handlers: [
      on(OrderPlaced, (e, ctx) => rows.put(ctx, { orderId: e.data.orderId, status: 'placed', customer: e.data.customer, total: e.data.total, events: 1 })),
      on(OrderConfirmed, move('confirmed')),
      on(OrderCancelled, move('cancelled')),
    ],
  });
}

function readModel<Tx>(store: ProjectionStore<Tx>, rows: Rows<Tx>): OrdersReadModel<Tx> {
  const table = (version?: number): string => (version === undefined ? activeTable(store, READ_MODEL, 'orders') : versionedTable('orders', version));
  const byId = (a: OrderRow, b: OrderRow): number => a.orderId.localeCompare(b.orderId);
  return {
    store,
    projection: (version = 1) => definition(rows, version),
    start: (log, { version = 1, ...options } = {}) => startProjection(definition(rows, version), { log, store, ...options }),
    rows: (version) => rows.all(table(version)).sort(byId),
    countByStatus() {
      const counts: Record<string, number> = {};
      for (const { status } of rows.all(table())) counts[status] = (counts[status] ?? 0) + 1;
      return counts;
    },
  };
}

/** The read model in a SQLite database (the application's, beside the log): table `orders_v<version>`. */
export function sqliteOrdersReadModel(db: SqlDatabase): OrdersReadModel<SqlDatabase> {
  const toRow = (r: { order_id: string; status: OrderStatus; customer: string; total: number; events: number }): OrderRow =>
    ({ orderId: r.order_id, status: r.status, customer: r.customer, total: r.total, events: r.events });
  return readModel(sqliteProjectionStore(db), {
    setup: ({ tx, table }) => tx.exec(`CREATE TABLE ${table('orders')} (order_id TEXT PRIMARY KEY, status TEXT NOT NULL,
      customer TEXT NOT NULL, total REAL NOT NULL, events INTEGER NOT NULL);
      CREATE INDEX ${table('orders')}_status ON ${table('orders')} (status)`),
    drop: ({ tx, table }) => tx.exec(`DROP TABLE ${table('orders')}`),
    get: ({ tx, table }, orderId) => {
      const r = tx.prepare(`SELECT * FROM ${table('orders')} WHERE order_id = ?`).get(orderId) as Parameters<typeof toRow>[0] | undefined;
      return r && toRow(r);
    },
    put: ({ tx, table }, row) => {
      tx.prepare(`INSERT OR REPLACE INTO ${table('orders')} (order_id, status, customer, total, events) VALUES (?, ?, ?, ?, ?)`)
        .run(row.orderId, row.status, row.customer, row.total, row.events);
    },
    all: (table) => (db.prepare(`SELECT * FROM ${table}`).all() as Parameters<typeof toRow>[0][]).map(toRow),
  });
}

/** The read model in memory (tests, or a cache rebuilt at every start). */
export function memoryOrdersReadModel(store = new MemoryProjectionStore()): OrdersReadModel<MemoryTx> {
  return readModel(store, {
    setup: () => undefined,
    drop: ({ tx, table }) => tx.dropTable(table('orders')),
    get: ({ tx, table }, orderId) => tx.get<OrderRow>(table('orders'), orderId),
    put: ({ tx, table }, row) => tx.set(table('orders'), row.orderId, row),
    all: (table) => store.entries<OrderRow>(table).map(([, row]) => row),
  });
}
