/** The event-store conformance suite on PostgresLog against the real server, with a reopen on the same schema. */
import { after } from 'node:test';
import { FakeClock, runStreamStoreConformance } from '../../../test/conformance/index.js';
import type { StreamTopic } from '../../log/stream-checks.js';
import { pgUp, skipWithoutPg, TestSchemas } from './test-helpers.js';

if (pgUp) {
  const schemas = new TestSchemas();
  after(() => schemas.dropAll());
  const clock = new FakeClock();
  let lastOptions: { streamTopic?: StreamTopic } = {};
  runStreamStoreConformance('postgres', {
    clock,
    open: async (options = {}) => { lastOptions = options; return schemas.open(schemas.fresh(), { clock, ...options }); },
    reopen: () => schemas.open(schemas.last, { clock, ...lastOptions }),
  });
} else {
  skipWithoutPg('postgres stream store conformance');
}
