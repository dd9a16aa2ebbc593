import { MemoryLog } from '../../src/log/memory/index.js';
import { FakeClock, runStreamStoreConformance } from './index.js';

const clock = new FakeClock();
runStreamStoreConformance('memory', { clock, open: async (options) => new MemoryLog({ clock, ...options }) });
