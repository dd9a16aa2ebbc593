/**
 * `npm run bench:report [results.json]`: docs/performance.md and its charts from a results file
 * (default: the newest full run in bench/results).
 */
import { newestResults, RESULTS, writeReport } from './write.js';

const file = process.argv[2] ?? newestResults(RESULTS);
if (!file) {
  console.error(`no results in ${RESULTS}: run \`npm run bench\` first`);
  process.exit(1);
}
const out = writeReport(file);
console.log(`wrote ${out.markdown} and ${out.charts.length} charts from ${file}`);
