import { deliverySuite } from './delivery.js';
import { failureSuite } from './failures.js';
import { iteratorAndMiddlewareSuite } from './iterator-and-middleware.js';
import type { RuntimeTarget } from './helpers.js';

export type { RuntimeTarget } from './helpers.js';

/** The consumer runtime's semantics, run on top of any backend. */
export function runRuntimeConformance(target: RuntimeTarget): void {
  deliverySuite(target);
  failureSuite(target);
  iteratorAndMiddlewareSuite(target);
}
