/** The shared EventLog and consumer-runtime conformance suites, run on RedisLog against the real server. */
import { after } from 'node:test';
import { FakeClock, runLogConformance, runRuntimeConformance } from '../../../test/conformance/index.js';
import { redisUp, skipWithoutRedis, TestPrefixes } from './test-helpers.js';

const prefixes = new TestPrefixes();
after(() => prefixes.removeAll());

if (redisUp) {
  // A virtual clock (passed to every script instead of the server's TIME): leases, retries, retention by age and the model run without sleeping.
  const clock = new FakeClock();
  runLogConformance({
    name: 'redis',
    clock,
    open: () => prefixes.open({ clock }),
    reopen: () => prefixes.open({ clock }, prefixes.last),
  });
  // Once on the server's clock, as production runs.
  runLogConformance({ name: 'redis (server clock)', open: () => prefixes.open(), reopen: () => prefixes.open({}, prefixes.last) });
  runRuntimeConformance({ name: 'redis', open: () => prefixes.open() });
} else {
  skipWithoutRedis('redis conformance');
}
