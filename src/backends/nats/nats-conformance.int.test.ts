/** The shared EventLog and consumer-runtime conformance suites, run on NATS JetStream (127.0.0.1:4222). */
import { after } from 'node:test';
import { runLogConformance, runRuntimeConformance } from '../../../test/conformance/index.js';
import { keyOrderSuite } from '../../../test/conformance/key-order.js';
import type { EventLog } from '../../log/types.js';
import { requireService, SERVICE_URLS } from '../../../test/services.js';
import { openNatsLog } from './index.js';
import { deleteStreams, uniquePrefix } from './test-helpers.js';

const available = await requireService('nats');
const prefixes: string[] = [];
let last = '';
const fresh = (): string => {
  last = uniquePrefix('c');
  prefixes.push(last);
  return last;
};
// One short ack wait: what a closed log handed back is redelivered at once anyway.
const open = (prefix: string, exclusiveGroups = false) => openNatsLog({ servers: SERVICE_URLS.nats, prefix, ackWaitMs: 5_000, exclusiveGroups });

/**
 * nats declares no `keyOrder` unless its groups are exclusive (it holds within one process, not across processes); the key-order
 * suite drives one log instance, so it checks the in-process guarantee when told to run.
 */
const inProcessKeyOrder = (log: EventLog): EventLog => new Proxy(log, {
  get(target, property) {
    if (property === 'capabilities') return { ...target.capabilities, keyOrder: true };
    const value: unknown = Reflect.get(target, property, target);
    return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
  },
});
after(async () => { if (available) await deleteStreams(prefixes); });

if (available) {
  runLogConformance({ name: 'nats', open: () => open(fresh()), reopen: () => open(last) });
  runRuntimeConformance({ name: 'nats', open: () => open(fresh()) });
  keyOrderSuite({ name: 'nats (one process)', open: async () => inProcessKeyOrder(await open(fresh())) });
  // Exclusive groups declare keyOrder themselves; every suite again with the group lock in the path.
  runLogConformance({ name: 'nats (exclusive groups)', open: () => open(fresh(), true), reopen: () => open(last, true) });
  runRuntimeConformance({ name: 'nats (exclusive groups)', open: () => open(fresh(), true) });
  keyOrderSuite({ name: 'nats (exclusive groups)', open: () => open(fresh(), true) });
}
