/**
 * Event sourcing on the embedded log: the order aggregate (./order.ts) handled by commands,
 * a concurrent writer resolved by a retry, the stream read back and found on its topic, an old
 * event version upcast on read. Run: node dist/examples/event-store/main.js [database file]
 */
import { openSqliteLog } from '../../src/backends/sqlite/index.js';
import { commandHandler, readStream } from '../../src/eventstore/index.js';
import { order, orderContracts, OrderPlaced } from './order.js';

const path = process.argv[2] ?? './data/event-store.db';
const log = await openSqliteLog({ path });
try {
  const handle = commandHandler(log.streams, order, {
    contracts: orderContracts,
    snapshots: { every: 100 },
    envelope: { source: 'urn:herald:example:event-store' },
  });

  // Load (nothing yet), decide, append expecting 'no_stream'.
  const placed = await handle('order-1', { type: 'place', orderId: 'order-1', total: 42 });
  console.log(`placed: revision ${placed.revision}, status ${placed.newState.status}`);

  // Two commands at once on one stream: the second decides on the first one's outcome (had it loaded
  // before the first appended, its append would fail with HERALD_E_WRONG_REVISION and it would reload).
  const [shipped, cancelled] = await Promise.allSettled([
    handle('order-1', { type: 'ship', carrier: 'ups' }),
    handle('order-1', { type: 'cancel', reason: 'customer changed their mind' }),
  ]);
  const outcome = (r: PromiseSettledResult<{ revision: number; retries: number }>): string =>
    r.status === 'fulfilled' ? `revision ${r.value.revision} after ${r.value.retries} retries` : `refused (${(r.reason as Error).message})`;
  console.log(`ship: ${outcome(shipped)}`);
  console.log(`cancel: ${outcome(cancelled)}`);

  // The stream, and the same events on the category's topic (`order`), keyed by the stream.
  for await (const e of log.streams.readStream('order-1')) console.log(`order-1 #${e.revision} ${e.event.type} ($all ${e.globalPosition})`);
  for await (const e of log.read('order')) console.log(`topic order @${e.position} ${e.event.type} key=${String(e.event.partitionkey)}`);

  // An event written by version 1 of the contract comes back as version 2.
  const old = { ...(await OrderPlaced.create({ orderId: 'order-2', total: 7 })), data: { orderId: 'order-2', amount: 7 }, dataversion: 1 };
  await log.streams.appendToStream('order-2', [old], { expectedRevision: 'no_stream' });
  for await (const e of readStream(log.streams, 'order-2', { contracts: orderContracts })) {
    console.log(`order-2 upcast: v${String(e.event.dataversion)} ${JSON.stringify(e.event.data)}`);
  }
} finally {
  await log.close();
}
