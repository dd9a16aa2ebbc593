/**
 * A strict parser of the Prometheus text exposition format 0.0.4, for tests (not part of the
 * API): it rejects what a Prometheus server would reject, and what the format says must not be
 * (samples before their TYPE, interleaved families, duplicate series, bad escapes, histograms
 * whose buckets are not cumulative or do not end at +Inf = _count).
 */
export interface ParsedSample { name: string; labels: Record<string, string>; value: number }
export interface ParsedFamily { name: string; type: string; help?: string; samples: ParsedSample[] }

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);
const SUFFIXES: Record<string, readonly string[]> = { histogram: ['_bucket', '_sum', '_count'], summary: ['_sum', '_count', ''] };

function parseValue(text: string, where: string): number {
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  if (text === 'NaN') return NaN;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) throw new Error(`${where}: bad value ${JSON.stringify(text)}`);
  return Number(text);
}

function parseLabels(text: string, where: string): { labels: Record<string, string>; rest: string } {
  const labels: Record<string, string> = {};
  let s = text.slice(1);
  for (;;) {
    if (s.startsWith('}')) return { labels, rest: s.slice(1) };
    const name = LABEL.exec(s)?.[0];
    if (!name) throw new Error(`${where}: bad label name at ${JSON.stringify(s.slice(0, 20))}`);
    if (name in labels) throw new Error(`${where}: label ${name} twice`);
    s = s.slice(name.length);
    if (!s.startsWith('="')) throw new Error(`${where}: expected =" after ${name}`);
    s = s.slice(2);
    let value = '';
    for (;;) {
      const ch = s[0];
      if (ch === undefined) throw new Error(`${where}: unterminated label value`);
      if (ch === '"') { s = s.slice(1); break; }
      if (ch === '\\') {
        const next = s[1];
        if (next === '\\') value += '\\';
        else if (next === '"') value += '"';
        else if (next === 'n') value += '\n';
        else throw new Error(`${where}: bad escape \\${String(next)}`);
        s = s.slice(2);
        continue;
      }
      if (ch === '\n') throw new Error(`${where}: raw newline in label value`);
      value += ch;
      s = s.slice(1);
    }
    labels[name] = value;
    if (s.startsWith(',')) s = s.slice(1);
    else if (!s.startsWith('}')) throw new Error(`${where}: expected , or } after label ${name}`);
  }
}

export function parsePrometheusText(text: string): Map<string, ParsedFamily> {
  if (text.length > 0 && !text.endsWith('\n')) throw new Error('the exposition must end with a newline');
  const families = new Map<string, ParsedFamily>();
  const finished = new Set<string>();
  const series = new Set<string>();
  let current: ParsedFamily | undefined;
  const familyOf = (sample: string): ParsedFamily | undefined => {
    if (current && (sample === current.name || (SUFFIXES[current.type] ?? []).some((x) => sample === current!.name + x))) return current;
    return undefined;
  };
  text.split('\n').slice(0, -1).forEach((line, i) => {
    const where = `line ${i + 1}`;
    if (line.startsWith('#')) {
      const m = /^# (HELP|TYPE) ([^ ]+)(?: (.*))?$/.exec(line);
      if (!m) return; // a comment
      const [, kind, name, rest = ''] = m;
      if (!NAME.test(name!) || NAME.exec(name!)![0] !== name) throw new Error(`${where}: bad metric name ${name}`);
      let family = families.get(name);
      if (finished.has(name)) throw new Error(`${where}: family ${name} appears twice`);
      if (current && current.name !== name) { finished.add(current.name); current = undefined; }
      if (!family) families.set(name, (family = { name: name, type: 'untyped', samples: [] }));
      if (family.samples.length > 0) throw new Error(`${where}: ${kind} of ${name} after its samples`);
      if (kind === 'TYPE') {
        if (!TYPES.has(rest)) throw new Error(`${where}: unknown type ${rest}`);
        if (family.type !== 'untyped') throw new Error(`${where}: second TYPE for ${name}`);
        family.type = rest;
      } else {
        if (family.help !== undefined) throw new Error(`${where}: second HELP for ${name}`);
        if (/\\[^\\n]/.test(rest.replace(/\\\\/g, ''))) throw new Error(`${where}: bad escape in HELP`);
        family.help = rest.replace(/\\n/g, '\n').replace(/\\\\/g, '\\');
      }
      current = family;
      return;
    }
    if (line.trim() === '') throw new Error(`${where}: empty line`);
    const name = NAME.exec(line)?.[0];
    if (!name) throw new Error(`${where}: bad sample ${JSON.stringify(line)}`);
    let rest = line.slice(name.length);
    let labels: Record<string, string> = {};
    if (rest.startsWith('{')) ({ labels, rest } = parseLabels(rest, where));
    const parts = rest.split(' ');
    if (parts[0] !== '' || parts.length < 2 || parts.length > 3) throw new Error(`${where}: expected " value [timestamp]" in ${JSON.stringify(line)}`);
    const value = parseValue(parts[1]!, where);
    const family = familyOf(name);
    if (!family) throw new Error(`${where}: sample ${name} outside its family (no TYPE before it, or families interleaved)`);
    const key = `${name}${JSON.stringify(Object.entries(labels).sort())}`;
    if (series.has(key)) throw new Error(`${where}: duplicate series ${key}`);
    series.add(key);
    if (family.type === 'counter' && !(value >= 0)) throw new Error(`${where}: counter ${name} is ${value}`);
    family.samples.push({ name, labels, value });
  });
  for (const f of families.values()) if (f.type === 'histogram') checkHistogram(f);
  return families;
}

function checkHistogram(f: ParsedFamily): void {
  const groups = new Map<string, ParsedSample[]>();
  for (const s of f.samples) {
    const { le: _le, ...rest } = s.labels;
    const key = JSON.stringify(Object.entries(rest).sort());
    groups.set(key, [...(groups.get(key) ?? []), s]);
  }
  for (const [key, samples] of groups) {
    const buckets = samples.filter((s) => s.name === `${f.name}_bucket`);
    const count = samples.find((s) => s.name === `${f.name}_count`);
    if (!samples.some((s) => s.name === `${f.name}_sum`) || !count) throw new Error(`${f.name}${key}: _sum and _count are required`);
    const les = buckets.map((b) => parseValue(b.labels.le ?? 'missing', `${f.name} le`));
    if (les.at(-1) !== Infinity) throw new Error(`${f.name}${key}: the last bucket must be le="+Inf"`);
    for (let i = 1; i < buckets.length; i++) {
      if (!(les[i]! > les[i - 1]!)) throw new Error(`${f.name}${key}: bucket bounds must increase`);
      if (buckets[i]!.value < buckets[i - 1]!.value) throw new Error(`${f.name}${key}: buckets must be cumulative`);
    }
    if (buckets.at(-1)!.value !== count.value) throw new Error(`${f.name}${key}: +Inf bucket ${buckets.at(-1)!.value} != _count ${count.value}`);
  }
}

/** The value of one series (labels must match exactly, `le` included for a bucket). */
export function valueOf(families: Map<string, ParsedFamily>, family: string, sample: string, labels: Record<string, string>): number | undefined {
  const want = JSON.stringify(Object.entries(labels).sort());
  return families.get(family)?.samples.find((s) => s.name === sample && JSON.stringify(Object.entries(s.labels).sort()) === want)?.value;
}
