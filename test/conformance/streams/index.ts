/**
 * The event-store conformance suite: what every StreamStore promises (memory, sqlite; the remote
 * client and PostgreSQL when they keep streams), registered with node:test for one backend:
 *
 *   const clock = new FakeClock();
 *   runStreamStoreConformance('memory', { clock, open: async (o) => new MemoryLog({ clock, ...o }) });
 */
import { concurrencySuite } from './concurrency.js';
import { deciderSuite } from './deciders.js';
import { deleteSuite } from './deletes.js';
import { durabilitySuite } from './durability.js';
import type { StreamStoreTarget } from './helpers.js';
import { metadataSuite } from './metadata.js';
import { readSuite } from './reads.js';
import { revisionSuite } from './revisions.js';
import { topicSuite } from './topic.js';

export type { StreamStoreTarget } from './helpers.js';

export function runStreamStoreConformance(name: string, target: StreamStoreTarget): void {
  const suite = { name, target };
  revisionSuite(suite);
  concurrencySuite(suite);
  readSuite(suite);
  metadataSuite(suite);
  deleteSuite(suite);
  topicSuite(suite);
  deciderSuite(suite);
  durabilitySuite(suite);
}
