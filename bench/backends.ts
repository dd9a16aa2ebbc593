/**
 * What herald costs on each scale-out backend: the same publish and consume workloads through the
 * raw client (the bench peers) and through herald's API on that backend, on the same server in the
 * same run, as a ratio (issue 6: at most 15% throughput loss is the target).
 *
 *   npm run build && node dist/bench/backends.js [--events 20000] [--repetitions 3] [--only postgres,redis]
 *
 * Writes bench/results/<date>-backends.json and prints one line per backend and workload.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { hostname, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { backendsFileName, type BackendsResults, type BackendsRow } from './backends-results.js';
import { makePeer } from './peers/index.js';
import { HeraldOnPeer } from './peers/herald-on.js';
import { Unavailable, type Peer } from './peers/types.js';
import { reporter } from './progress.js';
import { median } from './stats.js';
import { consumeThroughput } from './workloads/consume.js';
import { publishThroughput } from './workloads/publish.js';

const BACKENDS = ['postgres', 'redis', 'nats', 'rabbitmq'] as const;

const { values } = parseArgs({ options: { events: { type: 'string', default: '20000' }, repetitions: { type: 'string', default: '3' }, only: { type: 'string' } } });
const events = Number(values.events);
const repetitions = Number(values.repetitions);
const only = values.only?.split(',') ?? [...BACKENDS];


async function once(peer: Peer, workload: 'publish' | 'consume', name: string): Promise<number> {
  const m = workload === 'publish'
    ? await publishThroughput(peer, name, { events, producers: 1, window: 1000, maxMs: 30_000 })
    : await consumeThroughput(peer, name, { events, inFlight: 1000, maxMs: 60_000 });
  return m.value;
}

const progress = reporter(process.stderr);
progress.start(only.length * 2 * repetitions * 2);

async function opened(peer: Peer): Promise<boolean> {
  try {
    await peer.open();
    return true;
  } catch (error) {
    if (!(error instanceof Unavailable)) throw error;
    progress.note(`skipped ${peer.label}: ${error.message}`);
    return false;
  }
}

const rows: BackendsRow[] = [];
const tag = `bb${process.pid.toString(36)}`;
for (const backend of only) {
  const raw = makePeer(backend, { dataDir: '', durableRedis: false });
  const herald = new HeraldOnPeer(backend);
  if (!(await opened(raw)) || !(await opened(herald))) continue;
  try {
    for (const workload of ['publish', 'consume'] as const) {
      // Interleaved run by run, so a change in the machine's load hits both alike.
      const rawRuns: number[] = [];
      const heraldRuns: number[] = [];
      for (let r = 0; r < repetitions; r++) {
        progress.step(`${backend} ${workload}: raw client, run ${r + 1}/${repetitions}`);
        rawRuns.push(await once(raw, workload, `${tag}r${workload}${r}`));
        progress.step(`${backend} ${workload}: herald, run ${r + 1}/${repetitions}`);
        heraldRuns.push(await once(herald, workload, `${tag}h${workload}${r}`));
      }
      const r = median(rawRuns);
      const h = median(heraldRuns);
      const row = { backend, workload, raw: Math.round(r), herald: Math.round(h), ratio: h / r, loss: 1 - h / r, rawRuns, heraldRuns };
      rows.push(row);
      progress.note(`${backend.padEnd(9)} ${workload.padEnd(8)} raw ${row.raw.toLocaleString('en-US').padStart(9)} ev/s  herald ${row.herald.toLocaleString('en-US').padStart(9)} ev/s  ratio ${row.ratio.toFixed(2)}`);
    }
  } finally {
    await raw.close();
    await herald.close();
  }
}

progress.stop();
const now = new Date();
const dir = join(import.meta.dirname, '..', '..', 'bench', 'results');
mkdirSync(dir, { recursive: true });
// A second run on the same day gets its time in the name: it never replaces the first.
const file = join(dir, backendsFileName(now, existsSync(join(dir, backendsFileName(now, false)))));
const results: BackendsResults = {
  date: now.toISOString().slice(0, 10), host: hostname(), loadavg: loadavg(), events, repetitions,
  note: 'raw = the bench peer (the engine\'s own client, durable settings of the main suite except Redis as configured); herald = herald\'s EventLog and subscribe() on that engine',
  rows,
};
writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
console.log(`wrote ${file}`);
