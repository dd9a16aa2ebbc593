/** The event-store conformance suite on real sqlite files, and what only the sqlite streams must prove. */
import { after } from 'node:test';
import { join } from 'node:path';
import { FakeClock, runStreamStoreConformance } from '../../../test/conformance/index.js';
import { SqliteLog } from './sqlite-log.js';
import { tempDir } from './test-helpers.js';

const tmp = tempDir();
after(() => tmp.remove());
let files = 0;
let last = '';
let lastOptions = {};
const fresh = (): string => (last = join(tmp.dir, `streams-${++files}.db`));

const clock = new FakeClock();
runStreamStoreConformance('sqlite', {
  clock,
  open: async (options = {}) => { lastOptions = options; return new SqliteLog({ path: fresh(), clock, ...options }); },
  reopen: async () => new SqliteLog({ path: last, clock, ...lastOptions }),
});
