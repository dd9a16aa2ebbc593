/** The shared EventLog and consumer-runtime conformance suites, run on SqliteLog. */
import { after } from 'node:test';
import { join } from 'node:path';
import { FakeClock, runLogConformance, runRuntimeConformance } from '../../../test/conformance/index.js';
import { SqliteLog } from './sqlite-log.js';
import { tempDir } from './test-helpers.js';

const tmp = tempDir();
after(() => tmp.remove());
let files = 0;
let last = '';
const fresh = (): string => (last = join(tmp.dir, `log-${++files}.db`));

const clock = new FakeClock();
runLogConformance({
  name: 'sqlite',
  clock,
  open: async () => new SqliteLog({ path: fresh(), clock }),
  reopen: async () => new SqliteLog({ path: last, clock }),
});
runLogConformance({ name: 'sqlite (system clock)', open: async () => new SqliteLog({ path: fresh() }), reopen: async () => new SqliteLog({ path: last }) });
runRuntimeConformance({ name: 'sqlite', open: async () => new SqliteLog({ path: fresh() }) });
