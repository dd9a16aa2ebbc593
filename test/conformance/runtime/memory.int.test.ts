import { MemoryLog } from '../../../src/log/memory/index.js';
import { runRuntimeConformance } from './index.js';

runRuntimeConformance({ name: 'memory', open: async () => new MemoryLog() });
