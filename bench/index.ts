/** The benchmark suite's entry points, for `herald bench` (loaded only from a checkout). */
export { runBench, type BenchOptions } from './suite.js';
export { reporter, type Reporter, type Sink } from './progress.js';
export { summary } from './summary.js';
export { selectSystems, SYSTEMS } from './peers/index.js';
export { GROUPS } from './plan.js';
