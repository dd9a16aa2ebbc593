/**
 * The event-store conformance suite: projections (catch-up, live follow, checkpoints with the
 * read model, blue/green rebuild, status, failures), the outbox (atomic with business rows,
 * relay order, re-relay after a crash) and the inbox (dedup under redelivery). A backend
 * registers it with a target that opens its pieces on fresh storage:
 *
 *   runEventStoreConformance({ name: 'memory', open: async () => memoryFixture() });
 *
 * `reopen` makes the restart tests close and reopen the storage, as a new process would.
 * The SIGKILL tests for sqlite live in sqlite-crash.e2e.test.ts.
 */
import { blueGreenSuite } from './blue-green.js';
import type { EventStoreTarget } from './helpers.js';
import { inboxSuite } from './inbox.js';
import { outboxSuite } from './outbox.js';
import { projectionFailureSuite } from './projection-failures.js';
import { projectionSuite } from './projections.js';

export type { CounterModel, EventStoreFixture, EventStoreTarget } from './helpers.js';

export function runEventStoreConformance<Tx>(target: EventStoreTarget<Tx>): void {
  projectionSuite(target);
  projectionFailureSuite(target);
  blueGreenSuite(target);
  outboxSuite(target);
  inboxSuite(target);
}
