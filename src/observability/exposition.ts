/**
 * The Prometheus text exposition format (version 0.0.4): what `GET /metrics` answers. One
 * family per metric name, with its HELP and TYPE lines, then its samples.
 */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export type MetricType = 'counter' | 'gauge' | 'histogram';

export interface Sample {
  /** The family's name, or it with `_bucket`, `_sum` or `_count` for a histogram. */
  name: string;
  labels: readonly (readonly [string, string])[];
  value: number;
}

export interface MetricFamily {
  name: string;
  help: string;
  type: MetricType;
  samples: Sample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

const escapeHelp = (text: string): string => text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
const escapeLabel = (text: string): string => text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

function sampleLine(sample: Sample): string {
  if (!NAME.test(sample.name)) throw new Error(`invalid metric name ${JSON.stringify(sample.name)}`);
  if (sample.labels.length === 0) return `${sample.name} ${formatValue(sample.value)}`;
  const labels = sample.labels.map(([k, v]) => {
    if (!LABEL.test(k) || k.startsWith('__')) throw new Error(`invalid label name ${JSON.stringify(k)}`);
    return `${k}="${escapeLabel(v)}"`;
  });
  return `${sample.name}{${labels.join(',')}} ${formatValue(sample.value)}`;
}

/** Families with the same name (e.g. the same gauge from two logs) become one. */
export function mergeFamilies(families: readonly MetricFamily[]): MetricFamily[] {
  const byName = new Map<string, MetricFamily>();
  for (const f of families) {
    const seen = byName.get(f.name);
    if (!seen) byName.set(f.name, { ...f, samples: [...f.samples] });
    else if (seen.type !== f.type) throw new Error(`metric ${f.name} is both a ${seen.type} and a ${f.type}`);
    else seen.samples.push(...f.samples);
  }
  return [...byName.values()];
}

export function renderExposition(families: readonly MetricFamily[]): string {
  const lines: string[] = [];
  for (const f of mergeFamilies(families)) {
    lines.push(`# HELP ${f.name} ${escapeHelp(f.help)}`, `# TYPE ${f.name} ${f.type}`);
    for (const s of f.samples) lines.push(sampleLine(s));
  }
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}
