/**
 * What `bench/backends.ts` writes (bench/results/<date>[-HHMM]-backends.json): per scale-out
 * backend and workload, the raw client's and herald's throughput on the same server, interleaved
 * run by run, and their ratio. The report (docs/performance.md) shows the newest one.
 */
export interface BackendsRow {
  backend: string;
  workload: 'publish' | 'consume';
  /** Medians, events/s. */
  raw: number;
  herald: number;
  /** herald ÷ raw. */
  ratio: number;
  loss: number;
  rawRuns: number[];
  heraldRuns: number[];
}

export interface BackendsResults {
  date: string;
  host: string;
  loadavg: number[];
  events: number;
  repetitions: number;
  note: string;
  rows: BackendsRow[];
}

/** Issue 6: herald on a backend loses at most 15% of the raw client's throughput. */
export const OVERHEAD_TARGET = 0.85;

export const BACKENDS_SUFFIX = '-backends.json';

/** The results file of a run started at `at`; a second run of the day gets its time in the name. */
export function backendsFileName(at: Date, firstOfDayExists: boolean): string {
  const date = at.toISOString().slice(0, 10);
  return firstOfDayExists ? `${date}-${at.toISOString().slice(11, 16).replace(':', '')}${BACKENDS_SUFFIX}` : `${date}${BACKENDS_SUFFIX}`;
}

/** The newest backends results file in `names`: by date, and a timed file after the day's first. */
export function newestBackends(names: readonly string[]): string | undefined {
  const key = (name: string): string => {
    const m = /^(\d{4}-\d{2}-\d{2})(?:-(\d{4}))?-backends\.json$/.exec(name);
    return m ? `${m[1]} ${m[2] ?? ''}` : '';
  };
  return names.filter((n) => key(n) !== '').sort((a, b) => key(a).localeCompare(key(b))).at(-1);
}
