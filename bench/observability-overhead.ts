/**
 * What observability costs: publish + consume through one consumer group on the embedded SQLite
 * log, with instrumentation off, on with no tracer provider (the OpenTelemetry API is a no-op:
 * herald's own cost), and on with the OpenTelemetry SDK and a MeterProvider, recording every span
 * or a 10% sample (spans batched to an exporter that drops them). Repetitions are interleaved; prints one JSON
 * line per run and a summary, and writes bench/results/observability/<date>-<host>.json.
 *
 *   npm run build && node dist/bench/observability-overhead.js [events=50000] [repetitions=3] [durability=os]
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExportResultCode } from '@opentelemetry/core';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider, BatchSpanProcessor, ParentBasedSampler, TraceIdRatioBasedSampler, type ReadableSpan, type SpanExporter,
} from '@opentelemetry/sdk-trace-base';
import { openHerald, type Herald, type ObservabilityOptions } from '../src/index.js';
import { summarize, type Summary } from './stats.js';

const events = Number(process.argv[2] ?? 50_000);
const repetitions = Number(process.argv[3] ?? 3);
const durability = (process.argv[4] ?? 'os') as 'os' | 'fsync';
const WINDOW = 1_000;
const pad = 'x'.repeat(200);

/** Counts spans and drops them: the cost measured is the SDK's, not an exporter's network. */
class DiscardingExporter implements SpanExporter {
  exported = 0;
  export(spans: ReadableSpan[], done: (result: { code: ExportResultCode }) => void): void {
    this.exported += spans.length;
    done({ code: ExportResultCode.SUCCESS });
  }

  async shutdown(): Promise<void> {}
}

type Variant = 'off' | 'on-noop' | 'on-sdk' | 'on-sdk-10pct';
const VARIANTS: readonly Variant[] = ['off', 'on-noop', 'on-sdk', 'on-sdk-10pct'];

/** Wall-clock throughput, and the process's CPU time per event (user + system, all threads): steadier on a shared machine. */
interface Run { variant: Variant; seconds: number; eventsPerSecond: number; cpuMicrosPerEvent: number; spans?: number }

async function once(variant: Variant): Promise<Run> {
  const dir = mkdtempSync(join(tmpdir(), 'herald-obs-bench-'));
  const exporter = new DiscardingExporter();
  const sampler = variant === 'on-sdk-10pct' ? new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(0.1) }) : undefined;
  const tracerProvider = new BasicTracerProvider({
    spanProcessors: [new BatchSpanProcessor(exporter, { maxQueueSize: 65_536, maxExportBatchSize: 2_048 })], ...(sampler ? { sampler } : {}),
  });
  const meterProvider = new MeterProvider();
  const observability: ObservabilityOptions | false = variant === 'off' ? false
    : variant === 'on-noop' ? {} : { tracing: { tracerProvider }, metrics: { meterProvider } };
  let run: Run | undefined;
  const h: Herald = await openHerald({ path: join(dir, 'bench.db'), durability, observability });
  try {
    const started = performance.now();
    const cpu = process.cpuUsage();
    let handled = 0;
    const done = new Promise<void>((resolve) => {
      h.subscribe('bench', { group: 'g', concurrency: 64, maxInFlight: 1_000, pollInterval: 20 }, () => {
        if (++handled === events) resolve();
      });
    });
    for (let sent = 0; sent < events; sent += WINDOW) {
      const n = Math.min(WINDOW, events - sent);
      await Promise.all(Array.from({ length: n }, () => h.publish('bench', { type: 'bench.happened', data: { pad } })));
    }
    await done;
    const seconds = (performance.now() - started) / 1000;
    const used = process.cpuUsage(cpu);
    run = { variant, seconds: Number(seconds.toFixed(3)), eventsPerSecond: Math.round(events / seconds), cpuMicrosPerEvent: Number(((used.user + used.system) / events).toFixed(2)) };
  } finally {
    await h.close();
    await tracerProvider.forceFlush();
    if (run && variant.startsWith('on-sdk')) run.spans = exporter.exported;
    await tracerProvider.shutdown();
    await meterProvider.shutdown();
    rmSync(dir, { recursive: true, force: true });
  }
  return run; // the try block either set it or threw
}

const runs: Run[] = [];
await once('off'); // warm-up: JIT, page cache
for (let rep = 1; rep <= repetitions; rep++) {
  for (const variant of rep % 2 === 1 ? VARIANTS : [...VARIANTS].reverse()) {
    const run = await once(variant);
    runs.push(run);
    console.log(JSON.stringify({ rep, ...run }));
  }
}
const throughput: Record<Variant, Summary> = Object.fromEntries(VARIANTS.map((v) => [v, summarize(runs.filter((r) => r.variant === v).map((r) => r.eventsPerSecond))])) as Record<Variant, Summary>;
const cpuPerEvent: Record<Variant, Summary> = Object.fromEntries(VARIANTS.map((v) => [v, summarize(runs.filter((r) => r.variant === v).map((r) => r.cpuMicrosPerEvent))])) as Record<Variant, Summary>;
/** Throughput with it over throughput without (1 = free), and CPU per event with it over without (1 = free). */
const ratios = Object.fromEntries(VARIANTS.slice(1).map((v) => [`${v}/off`, {
  throughput: Number((throughput[v].median / throughput.off.median).toFixed(3)),
  cpuPerEvent: Number((cpuPerEvent[v].median / cpuPerEvent.off.median).toFixed(3)),
}]));
const results = {
  schema: 'observability-overhead/1', startedAt: new Date().toISOString(), host: hostname(),
  machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? '?', node: process.version },
  params: { events, repetitions, durability, publishWindow: WINDOW, concurrency: 64, maxInFlight: 1_000 },
  throughput, cpuPerEvent, ratios, runs,
};
const dir = join('bench', 'results', 'observability');
mkdirSync(dir, { recursive: true });
const file = join(dir, `${results.startedAt.slice(0, 10)}-${hostname().replace(/[^A-Za-z0-9_.-]/g, '_')}.json`);
writeFileSync(file, `${JSON.stringify(results, null, 1)}\n`);
for (const v of VARIANTS) {
  const t = throughput[v];
  console.log(`${v.padEnd(12)} ${Math.round(t.median).toLocaleString('en')} events/s (min ${t.min.toLocaleString('en')}, max ${t.max.toLocaleString('en')}), ${cpuPerEvent[v].median} µs CPU per event`);
}
for (const [k, r] of Object.entries(ratios)) console.log(`${k.padEnd(16)} throughput ×${r.throughput}, CPU per event ×${r.cpuPerEvent}`);
console.log(`written to ${file}`);
