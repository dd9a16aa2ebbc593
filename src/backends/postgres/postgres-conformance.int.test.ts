/** The shared EventLog and consumer-runtime conformance suites, run on PostgresLog against the real server. */
import { after } from 'node:test';
import { FakeClock, runLogConformance, runRuntimeConformance } from '../../../test/conformance/index.js';
import { pgUp, skipWithoutPg, TestSchemas } from './test-helpers.js';

if (pgUp) {
  const schemas = new TestSchemas();
  after(() => schemas.dropAll());
  const clock = new FakeClock();
  runLogConformance({
    name: 'postgres',
    clock,
    open: () => schemas.open(schemas.fresh(), { clock }),
    reopen: () => schemas.open(schemas.last, { clock }),
  });
  runLogConformance({
    name: 'postgres (server clock)',
    open: () => schemas.open(schemas.fresh()),
    reopen: () => schemas.open(schemas.last),
  });
  runRuntimeConformance({ name: 'postgres', open: () => schemas.open(schemas.fresh()) });
} else {
  skipWithoutPg('postgres conformance');
}
