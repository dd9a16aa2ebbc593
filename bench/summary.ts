import { columns, num, times, withSpread } from './format.js';
import { WORKLOADS, WORKLOAD_IDS } from './plan.js';
import type { BenchResults } from './results.js';

/** The terminal summary of a run: one table of figures, the ratios to NATS, the targets. */
export function summary(results: BenchResults): string {
  const rows: string[][] = [['WORKLOAD', 'METRIC', 'SYSTEM', 'MEDIAN (MIN–MAX)', 'UNIT']];
  for (const w of WORKLOAD_IDS) {
    for (const f of results.figures.filter((x) => x.workload === w)) {
      rows.push([w, f.metric, f.system, withSpread(f.summary), WORKLOADS[w].unit]);
    }
  }
  const lines = [columns(rows), ''];
  const vs = results.ratios.filter((r) => r.herald === 'herald' && r.metric !== 'p50' && r.metric !== 'p999');
  if (vs.length > 0) {
    const peers = [...new Set(vs.map((r) => r.peer))];
    const header = ['HERALD ÷ PEER', ...peers];
    const table = [...new Set(vs.map((r) => `${r.workload} ${r.metric}`))].map((key) => [
      key, ...peers.map((p) => times(vs.find((r) => `${r.workload} ${r.metric}` === key && r.peer === p)?.ratio ?? NaN)),
    ]);
    lines.push(columns([header, ...table]), '');
  }
  lines.push('targets (issue 3):');
  for (const t of results.targets) {
    const mark = t.met === null ? 'n/a ' : t.met ? 'met ' : 'MISS';
    lines.push(`  ${mark} ${t.text}: ${num(t.value)} (bound ${num(t.bound)})`);
  }
  for (const e of results.errors) lines.push(`error: ${e.workload} on ${e.system}: ${e.message}`);
  for (const s of results.systems.filter((x) => x.skipped)) lines.push(`skipped: ${s.skipped}`);
  return lines.join('\n');
}
