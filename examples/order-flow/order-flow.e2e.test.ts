import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SqliteLog } from '../../src/backends/sqlite/sqlite-log.js';
import { connectRemoteLog } from '../../src/client/index.js';
import { startServer } from '../../src/server/server.js';
import {
  activeVersion, dropProjectionVersion, handleCommand, hasStreams, Herald, loadState, openHerald, EventContracts, type StreamLog,
} from '../../src/index.js';
import { ORDER_CONTRACTS, ORDER_TOPIC, TOPICS } from './contracts.js';
import { runOrderFlow, type PlacedOrder } from './flow.js';
import { orderCommands } from './order-commands.js';
import { order, orderStream, type OrderCommand } from './order.js';
import { memoryOrdersReadModel, READ_MODEL, sqliteOrdersReadModel } from './read-model.js';
import { traceCorrelation, type TraceNode } from './trace.js';

function types(nodes: readonly TraceNode[]): string[] {
  return nodes.flatMap((n) => [n.event.type, ...types(n.children)]).sort();
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const contracts = EventContracts.of(ORDER_CONTRACTS);
const outcome = (o: PlacedOrder): string => (o.declined ? 'order.cancelled' : 'order.confirmed');

/** Each order's stream holds its history, and the topic `order` exactly the streams' events, once each. */
async function assertStreamsAreTheTruth(log: StreamLog, orders: readonly PlacedOrder[]): Promise<void> {
  const streamIds: string[] = [];
  for (const o of orders) {
    const history = await collect(log.streams.readStream(orderStream(o.orderId)));
    assert.deepEqual(history.map((e) => [e.revision, e.event.type]), [[1, 'order.placed'], [2, outcome(o)]], `the history of ${o.orderId}`);
    assert.equal(history[0]!.event.id, o.eventId, 'the placed event is the one the flow correlates on');
    assert.ok(history.every((e) => e.topic === ORDER_TOPIC && e.event.partitionkey === o.orderId));
    streamIds.push(...history.map((e) => e.event.id));
  }
  const onTopic = await collect(log.read(ORDER_TOPIC));
  assert.deepEqual(onTopic.map((e) => e.event.id).sort(), streamIds.sort(), 'the topic holds exactly the streams\' events, once each');
}

describe('order flow on the embedded backend', () => {
  const dir = mkdtempSync(join(tmpdir(), 'herald-order-flow-'));
  let n = 0;
  const fresh = async (): Promise<Herald & { log: StreamLog }> => {
    const h = await openHerald({ path: join(dir, `herald-${++n}.db`) });
    assert.ok(hasStreams(h.log), 'the embedded log keeps streams');
    return h as Herald & { log: StreamLog };
  };
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('runs end to end, with compensation and a retried email; each order is a stream, its events on the topic order', async () => {
    const h = await fresh();
    try {
      assert.equal(orderCommands(h).eventSourced, true);
      const { state, orders, subscriptions } = await runOrderFlow(h, 12, { flakyEmails: 2 });
      const declined = orders.filter((o) => o.declined);
      assert.equal(declined.length, 3);
      assert.equal(state.analytics['order.placed'], 12);
      assert.equal(state.analytics['order.confirmed'], 9);
      assert.equal(state.analytics['order.cancelled'], 3);
      assert.equal(state.emails.length, 12, 'every customer got exactly one email despite two mail failures');
      for (const o of declined) {
        assert.ok(state.emails.includes(`${o.orderId}:order-cancelled`));
        assert.equal(state.reserved.has(o.orderId), false, 'stock of a declined order is released');
        const tree = await traceCorrelation(h, TOPICS, o.eventId);
        assert.equal(tree.length, 1, 'one root: the order.placed event');
        const seen = types(tree);
        for (const t of ['order.placed', 'payment.failed', 'order.cancelled', 'notification.sent']) assert.ok(seen.includes(t), `${t} in the causal tree`);
        if (seen.includes('stock.reserved')) assert.ok(seen.includes('stock.released'), 'a reservation is compensated');
      }
      const stockTaken = [...state.reserved.values()].flat().reduce((sum, i) => sum + i.qty, 0);
      const stockLeft = [...state.stock.values()].reduce((a, b) => a + b, 0);
      assert.equal(stockLeft + stockTaken, 125, 'no stock lost or invented');

      await assertStreamsAreTheTruth(h.log, orders);
      const onTopic = await collect(h.log.read(ORDER_TOPIC));

      // A payment event delivered again to the saga confirms nothing twice: the aggregate says it is done.
      const saga = subscriptions.find((s) => s.group === 'order-saga')!;
      const captured = (await collect(h.log.read('payments'))).find((e) => e.event.type === 'payment.captured')!;
      const handled = saga.stats().handled;
      await h.log.requeue('payments', 'order-saga', captured.event, captured.position);
      await until(() => saga.stats().handled > handled, 'the redelivery');
      const orderId = (captured.event.data as { orderId: string }).orderId;
      assert.equal((await h.log.streams.streamInfo(orderStream(orderId)))?.revision, 2, 'no second confirmation');
      assert.equal((await collect(h.log.read(ORDER_TOPIC))).length, onTopic.length);
    } finally {
      await h.close();
    }
  });

  it('keeps the read model "orders by status" by a projection, equal to the streams, and rebuilt from zero to the same rows', async () => {
    const h = await fresh();
    const db = new Database(join(dir, `app-${n}.db`));
    db.pragma('journal_mode = WAL');
    const readModel = sqliteOrdersReadModel(db);
    const v1 = readModel.start(h.log);
    try {
      const { orders } = await runOrderFlow(h, 8);
      await v1.caughtUp({ timeout: '10s' });
      assert.deepEqual(readModel.countByStatus(), { confirmed: 6, cancelled: 2 });
      const live = readModel.rows();
      assert.deepEqual(live.map((r) => r.orderId), orders.map((o) => o.orderId).sort());
      for (const row of live) {
        const { state, revision } = await loadState(h.log.streams, orderStream(row.orderId), order, contracts);
        assert.equal(row.status, state.status, `${row.orderId}: the read model agrees with the aggregate`);
        assert.equal(row.events, revision, `${row.orderId}: every event of the stream is in the row`);
      }

      // Blue/green: version 2 builds from zero beside version 1, then takes over.
      const v2 = readModel.start(h.log, { version: 2 });
      await v2.caughtUp({ timeout: '10s' });
      assert.equal((await v1.status()).role, 'retired', 'version 1 stops serving (its runner stops at its next commit)');
      assert.equal(activeVersion(readModel.store, READ_MODEL)?.version, 2);
      assert.deepEqual(readModel.rows(), live, 'version 2, rebuilt from zero, equals the live version 1');
      assert.equal(dropProjectionVersion(readModel.projection(1), readModel.store, 1), true);
      await v2.close();

      // A fresh store, in memory, caught up from zero: the same rows again.
      const rebuilt = memoryOrdersReadModel();
      const fromZero = rebuilt.start(h.log);
      await fromZero.caughtUp({ timeout: '10s' });
      assert.deepEqual(rebuilt.rows(), live);
      assert.equal((await fromZero.status()).applied, 16);
      await fromZero.close();
    } finally {
      await v1.close();
      await h.close();
      db.close();
    }
  });

  it('refuses what the order\'s rules forbid, and decides again after a concurrent append', async () => {
    const h = await fresh();
    const orders = orderCommands(h);
    const place = (orderId: string): Promise<string> => orders.place({ orderId, customer: 'ada@example.com', items: [{ sku: 'book', qty: 1 }], total: 10, card: '4242' });
    const history = async (orderId: string): Promise<string[]> => (await collect(h.log.streams.readStream(orderStream(orderId)))).map((e) => e.event.type);
    /** The order decider, with a concurrent writer landing between its first load and its append. */
    const racing = (competitor: OrderCommand): typeof order => {
      let raced = false;
      return { ...order, async decide(command, state) {
        if (!raced) { raced = true; await orders.run(competitor); }
        return order.decide(command, state);
      } };
    };
    try {
      await place('a');
      await assert.rejects(place('a'), { name: 'OrderRefused', code: 'HERALD_E_NON_RETRYABLE', message: /cannot place: it is placed/ });
      assert.equal(await orders.run({ type: 'cancel', orderId: 'a', reason: 'changed my mind' }), 2);
      await assert.rejects(orders.run({ type: 'confirm', orderId: 'a' }), { name: 'OrderRefused', message: /order a: cannot confirm: it is cancelled/ });
      assert.equal(await orders.run({ type: 'cancel', orderId: 'a', reason: 'again' }), 2, 'cancelling a cancelled order appends nothing');
      await assert.rejects(orders.run({ type: 'confirm', orderId: 'never' }), { name: 'OrderRefused', message: /never placed/ });
      assert.deepEqual(await history('a'), ['order.placed', 'order.cancelled']);
      assert.deepEqual(await history('never'), []);

      await place('b');
      await assert.rejects(handleCommand(h.log.streams, orderStream('b'), { type: 'confirm', orderId: 'b' }, racing({ type: 'cancel', orderId: 'b', reason: 'raced' }), { contracts, retries: 0 }),
        { code: 'HERALD_E_WRONG_REVISION', details: { stream: 'order-b', expectedRevision: 1, actualRevision: 2 } });
      assert.deepEqual(await history('b'), ['order.placed', 'order.cancelled'], 'the loser appended nothing');

      await place('c');
      await assert.rejects(handleCommand(h.log.streams, orderStream('c'), { type: 'confirm', orderId: 'c' }, racing({ type: 'cancel', orderId: 'c', reason: 'raced' }), { contracts }),
        { name: 'OrderRefused', message: /cannot confirm: it is cancelled/ }, 'retried, then refused on the state the other writer left');

      await place('d');
      const retried = await handleCommand(h.log.streams, orderStream('d'), { type: 'confirm', orderId: 'd' }, racing({ type: 'confirm', orderId: 'd' }), { contracts });
      assert.equal(retried.retries, 1);
      assert.deepEqual(retried.newEvents, [], 'decided again: already confirmed, nothing to append');
      assert.deepEqual(await history('d'), ['order.placed', 'order.confirmed']);
    } finally {
      await h.close();
    }
  });
});

describe('order flow on other logs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'herald-order-flow-other-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** Runs the flow with a memory read model beside it; checks the outcome and the read model. */
  async function flowWithReadModel(h: Herald): Promise<PlacedOrder[]> {
    const readModel = memoryOrdersReadModel();
    const projection = readModel.start(h.log);
    try {
      const { state, orders } = await runOrderFlow(h, 8);
      assert.equal(state.analytics['order.placed'], 8);
      assert.equal(state.emails.length, 8);
      await projection.caughtUp({ timeout: '10s' });
      assert.deepEqual(readModel.countByStatus(), { confirmed: 6, cancelled: 2 });
      assert.deepEqual(readModel.rows().map((r) => [r.orderId, r.status]), orders.map((o) => [o.orderId, outcome(o).slice('order.'.length)]).sort());
      return orders;
    } finally {
      await projection.close();
    }
  }

  it('over the server, through the remote client (npm start), orders are event-sourced too', async () => {
    const server = await startServer({ log: new SqliteLog({ path: join(dir, 'server.db') }), ownsLog: true, dev: true, port: 0, logger: false });
    const h = new Herald(await connectRemoteLog({ url: server.url, pollMs: 50 }));
    try {
      assert.ok(hasStreams(h.log), 'the remote client exposes the server\'s streams');
      assert.equal(orderCommands(h).eventSourced, true);
      await assertStreamsAreTheTruth(h.log, await flowWithReadModel(h));
    } finally {
      await h.close();
      await server.close();
    }
  });

  it('on a log without streams, the fallback publishes the same events to the topic, and nothing else changes', async () => {
    const log = new SqliteLog({ path: join(dir, 'no-streams.db') });
    const withoutStreams = new Proxy(log, {
      get: (target, name) => {
        if (name === 'streams') return undefined;
        const value: unknown = Reflect.get(target, name, target);
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
    const h = new Herald(withoutStreams);
    try {
      assert.equal(orderCommands(h).eventSourced, false);
      await flowWithReadModel(h);
      assert.equal((await collect(log.read(ORDER_TOPIC))).length, 16, 'each order placed, then confirmed or cancelled');
      assert.equal(await log.streams.headPosition(), 0, 'no stream was written');
    } finally {
      await h.close();
    }
  });
});
