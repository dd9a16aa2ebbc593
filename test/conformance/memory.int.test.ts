import { MemoryLog } from '../../src/log/memory/index.js';
import { FakeClock, runLogConformance } from './index.js';

const clock = new FakeClock();
runLogConformance({ name: 'memory', clock, open: async () => new MemoryLog({ clock }) });
// Once on real time too, as a backend without an injectable clock would run (leases and delays sleep).
runLogConformance({ name: 'memory (system clock)', open: async () => new MemoryLog() });
