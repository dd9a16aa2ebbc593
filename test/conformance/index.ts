/**
 * The EventLog conformance suite: one set of node:test suites that every backend runs, like
 * watermill's shared pub/sub tests. A backend registers it with a 5-line test file:
 *
 *   const clock = new FakeClock();
 *   runLogConformance({ name: 'memory', clock, open: async () => new MemoryLog({ clock }) });
 *
 * What is asserted follows `log.capabilities` (contiguousPositions, readByTime, keyOrder,
 * durable, transactionalAck); a test the backend cannot meet is skipped with the missing
 * capability named. `reopen` enables the durability tests; `clock` lets tests move time
 * instead of sleeping (and enables the model-based simulation).
 */
import { adminSuite } from './admin.js';
import { appendAndReadSuite } from './append-read.js';
import { consumerGroupSuite } from './consumer-groups.js';
import { deadLetterSuite } from './dead-letter.js';
import { durabilitySuite } from './durability.js';
import type { ConformanceTarget } from './helpers.js';
import { idempotencySuite } from './idempotency.js';
import { keyOrderSuite } from './key-order.js';
import { leaseSuite } from './leases-and-retries.js';
import { modelSuite } from './model.js';
import { retentionSuite } from './retention.js';
import { validationSuite } from './validation.js';

export { FakeClock } from './fake-clock.js';
export type { ConformanceTarget } from './helpers.js';
export { runRuntimeConformance, type RuntimeTarget } from './runtime/index.js';

/** Registers every EventLog conformance test (node:test `describe`/`it`) for `target`. */
export function runLogConformance(target: ConformanceTarget): void {
  appendAndReadSuite(target);
  idempotencySuite(target);
  consumerGroupSuite(target);
  leaseSuite(target);
  keyOrderSuite(target);
  deadLetterSuite(target);
  retentionSuite(target);
  adminSuite(target);
  durabilitySuite(target);
  validationSuite(target);
  modelSuite(target);
}
export { runStreamStoreConformance, type StreamStoreTarget } from './streams/index.js';
export { runEventStoreConformance, type EventStoreTarget, type EventStoreFixture, type CounterModel } from './eventstore/index.js';
