import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ratios, targets } from './compare.js';
import { charts, nines } from './report/charts.js';
import { markdown } from './report/markdown.js';
import { barChart, escapeXml, lineChart, niceStep } from './report/svg.js';
import { newestBackends, type BackendsResults } from './backends-results.js';
import { newestResults, writeReport } from './report/write.js';
import { figuresOf, type BenchResults, type Figure } from './results.js';

function sample(): BenchResults {
  const figures: Figure[] = [
    ...figuresOf('publish-1p', 'herald', [{ value: 300_000 }, { value: 310_000 }, { value: 290_000 }]),
    ...figuresOf('publish-1p', 'nats', [{ value: 100_000 }, { value: 90_000 }, { value: 110_000 }]),
    ...figuresOf('latency-5k', 'herald', [{ value: 1, extra: { p50: 0.2, p99: 1, p999: 2, lost: 0, achievedRate: 5000, curve: [[0, 0.05], [0.5, 0.2], [0.99, 1], [1, 3]] } }]),
    ...figuresOf('latency-5k', 'nats', [{ value: 4, extra: { p50: 0.3, p99: 4, p999: 9, lost: 0, achievedRate: 5000, curve: [[0.5, 0.3], [0.99, 4]] } }]),
    ...figuresOf('memory', 'herald', [{ value: 150, extra: { backlog: 1_000_000, growthMB: 1, samples: [[0, 140], [1, 150]] } }]),
    ...figuresOf('disk-fdatasync', 'disk', [{ value: 5000 }]),
  ];
  return {
    schema: 1, mode: 'full', startedAt: '2026-11-23T10:00:00.000Z', finishedAt: '2026-11-23T10:15:00.000Z', durationSec: 900, host: 'box',
    machine: { cpus: 2, cpuModel: 'CPU', memoryGiB: 24, node: 'v20.20.2', os: 'Linux' }, params: { repetitions: 3 },
    systems: [
      { id: 'herald', label: 'herald (fsync)', client: 'in-process', durability: 'fdatasync before ack' },
      { id: 'nats', label: 'NATS JetStream', client: 'nats <js>', durability: 'file store', server: '2.9.10' },
      { id: 'redis', label: 'Redis Streams', client: 'ioredis', durability: 'AOF', skipped: 'Redis Streams is not reachable; start it with: redis-server' },
    ],
    figures, ratios: ratios(figures), targets: targets(figures), errors: [{ system: 'nats', workload: 'consume', message: 'boom | pipe' }],
  };
}

describe('report: markdown', () => {
  const md = markdown({ results: sample(), source: 'bench/results/2026-11-23-box.json', charts: new Set(['publish-1p.svg', 'latency-5k.svg']) });
  it('names the run, the machine and the source file', () => {
    assert.match(md, /^# Performance/);
    assert.match(md, /2026-11-23 10:00 UTC on `box`: 2 × CPU/);
    assert.match(md, /3 repetitions of each figure/);
    assert.match(md, /bench\/results\/2026-11-23-box\.json/);
  });
  it('gives medians with their spread, and herald ÷ peer ratios', () => {
    assert.match(md, /\| herald \(fsync\) \| 300,000 \(290,000–310,000\) \|/);
    assert.match(md, /\| NATS JetStream \| 100,000 \(90,000–110,000\) \|/);
    assert.match(md, /\| Durable publish, 1 producer, 1,000 in flight \| 3\.0× \|/);
    assert.match(md, /End-to-end latency at 5,000 events\/s, p99 \| 0\.25× \|/);
  });
  it('marks which targets are met, and which were not measured', () => {
    assert.match(md, /\| \*\*met\*\* \| durable publish \(1 producer\) ≥ 3× NATS JetStream \| 3\.00 \| 3\.00 \|/);
    assert.match(md, /\| \*\*met\*\* \| e2e p99 ≤ 0\.5× NATS JetStream p99 at 5k events\/s \| 0\.250 \| 0\.500 \|/);
    assert.match(md, /\| not measured \| consume with acks ≥ 5× NATS JetStream \|/);
  });
  it('states durability per system, skipped systems, errors, and links only the charts that exist', () => {
    assert.match(md, /\| NATS JetStream \| 2\.9\.10 \| nats <js> \| file store \|/);
    assert.match(md, /skipped: Redis Streams is not reachable; start it with: redis-server/);
    assert.match(md, /consume on nats: boom \| pipe/);
    assert.match(md, /!\[[^\]]*\]\(performance\/publish-1p\.svg\)/);
    assert.doesNotMatch(md, /performance\/consume\.svg/);
  });
});

describe('report: SVG charts', () => {
  const svgs = charts(sample());
  it('draws a bar chart per throughput workload, a curve per latency rate, and the memory samples', () => {
    assert.deepEqual([...svgs.keys()].sort(), ['latency-5k.svg', 'memory.svg', 'publish-1p.svg']);
    for (const svg of svgs.values()) {
      assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
      assert.match(svg, /<\/svg>\n$/);
      assert.doesNotMatch(svg, /NaN|undefined|Infinity/);
    }
    assert.match(svgs.get('latency-5k.svg')!, /NATS JetStream/);
    assert.match(svgs.get('publish-1p.svg')!, /300,000/);
  });
  it('escapes text, places quantiles on a nines axis and picks round tick steps', () => {
    assert.equal(escapeXml('a<b & "c">'), 'a&lt;b &amp; &quot;c&quot;&gt;');
    assert.match(barChart('t', 'u', [{ label: '<x>', value: 1, color: '#000' }]), /&lt;x&gt;/);
    assert.ok(Math.abs(nines(0.999) - 3) < 1e-9);
    assert.deepEqual([0.7, 3, 27.6, 140].map(niceStep), [1, 5, 50, 200]);
    const svg = lineChart({ title: 't', xLabel: 'x', yLabel: 'y', xTicks: [{ value: 0, label: '0' }], yLog: true, series: [{ label: 's', color: '#000', points: [[0, 0.1], [1, 50], [2, 0]] }] });
    assert.match(svg, /<polyline[^>]*points="[^"]+"/);
    assert.doesNotMatch(svg, /NaN|Infinity/);
  });
});

function backendsSample(): BackendsResults {
  const row = (backend: string, workload: 'publish' | 'consume', raw: number, herald: number) => ({ backend, workload, raw, herald, ratio: herald / raw, loss: 1 - herald / raw, rawRuns: [raw], heraldRuns: [herald] });
  return {
    date: '2026-11-23', host: 'box', loadavg: [0.5, 0.5, 0.5], events: 20_000, repetitions: 3, note: 'raw vs herald',
    rows: [row('postgres', 'publish', 100_000, 90_000), row('nats', 'consume', 200_000, 80_000)],
  };
}

describe('report: backends results', () => {
  it('picks the newest bench:backends file: by date, and a timed run after that day\'s first', () => {
    assert.equal(newestBackends(['2026-11-22-backends.json', '2026-11-23-backends.json', '2026-11-23-0915-backends.json', '2026-11-23-box.json']), '2026-11-23-0915-backends.json');
    assert.equal(newestBackends(['2026-11-22-1700-backends.json', '2026-11-23-backends.json']), '2026-11-23-backends.json');
    assert.equal(newestBackends(['2026-11-23-box.json']), undefined);
  });
});

describe('report: files', () => {
  it('writes docs/performance.md and its charts from the newest full results file, never a quick one when a full one exists', () => {
    const dir = mkdtempSync(join(tmpdir(), 'herald-report-'));
    try {
      const docs = join(dir, 'docs');
      for (const name of ['2026-11-20-box.json', '2026-11-22-box.json', '2026-11-23-box.quick.json', '2026-11-23-backends.json']) {
        writeFileSync(join(dir, name), '{}');
      }
      assert.equal(newestResults(dir), join(dir, '2026-11-22-box.json'), 'never a quick run, nor a bench:backends file');
      assert.equal(newestResults(join(dir, 'missing')), undefined);
      const file = join(dir, '2026-11-24-box.json');
      writeFileSync(file, JSON.stringify(sample()));
      writeFileSync(file.replace(/\.json$/, '.notes.md'), 'Hand-written note.\n');
      assert.throws(() => writeReport(file, docs), /2026-11-23-backends\.json: not a bench:backends results file/);
      rmSync(join(dir, '2026-11-23-backends.json'));
      const out = writeReport(file, docs);
      assert.equal(out.charts.length, 3);
      assert.deepEqual(readdirSync(join(docs, 'performance')).sort(), ['latency-5k.svg', 'memory.svg', 'publish-1p.svg']);
      const md = readFileSync(join(docs, 'performance.md'), 'utf8');
      assert.match(md, /## Notes\n\nHand-written note\./);
      assert.doesNotMatch(md, /scale-out backends/, 'no backends section without a backends results file');
      writeFileSync(join(dir, '2026-11-23-1200-backends.json'), JSON.stringify(backendsSample()));
      writeReport(file, docs);
      const withBackends = readFileSync(join(docs, 'performance.md'), 'utf8');
      assert.match(withBackends, /## herald on the scale-out backends/);
      assert.match(withBackends, /2026-11-23-1200-backends\.json/);
      assert.match(withBackends, /\| PostgreSQL \| publish \| 100,000 \| 90,000 \| 0\.90 \| \*\*met\*\* \|/);
      assert.match(withBackends, /\| NATS JetStream \| consume \| 200,000 \| 80,000 \| 0\.40 \| not met \|/);
      assert.doesNotMatch(md, new RegExp(dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')), 'no machine path in the report');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
