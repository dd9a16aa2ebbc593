/** The event-store conformance suite on the memory backend (MemoryLog, MemoryProjectionStore, MemoryOutbox, MemoryInbox). */
import { MemoryInbox } from '../../../src/consumer/middleware/dedup.js';
import { MemoryOutbox } from '../../../src/eventstore/outbox.js';
import type { MemoryTx } from '../../../src/eventstore/projection-memory-tx.js';
import { MemoryProjectionStore } from '../../../src/eventstore/projection-store-memory.js';
import { MemoryLog } from '../../../src/log/memory/index.js';
import type { CounterModel, EventStoreFixture } from './helpers.js';
import { runEventStoreConformance } from './index.js';

function memoryFixture(): EventStoreFixture<MemoryTx> {
  const store = new MemoryProjectionStore();
  const outbox = new MemoryOutbox();
  const rows: string[] = [];
  const model: CounterModel<MemoryTx> = {
    create: () => undefined, // memory tables come into being with their first row
    drop: (tx, table) => { tx.dropTable(table); },
    add: (tx, table, key, by) => { tx.set(table, key, (tx.get<number>(table, key) ?? 0) + by); },
    read: (table) => (store.tableNames().includes(table) ? Object.fromEntries(store.entries<number>(table)) : undefined),
  };
  const log = new MemoryLog();
  return {
    log, store, model, outbox, inbox: new MemoryInbox(),
    commitBusiness(id, topic, events, fail = false) {
      outbox.transaction(() => {
        outbox.enqueue(topic, events);
        if (fail) throw new Error(`business rule rejected ${id}`);
      });
      rows.push(id);
    },
    businessRows: () => [...rows],
    close: () => log.close(),
  };
}

runEventStoreConformance({ name: 'memory', open: async () => memoryFixture() });
