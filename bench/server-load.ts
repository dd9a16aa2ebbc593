/**
 * Load run of `herald serve` on loopback (RELIABILITY's bounded rule: loopback only, fixed
 * time): HTTP publish throughput with one event per request (binary mode) and with batches
 * (batch mode), and end-to-end latency from an HTTP publish to a WebSocket subscriber. The
 * server is a child process on a fresh database (durability fsync, per-key rate limit off);
 * the load comes from this process, so both share the machine's cores.
 *
 *   npm run build && node dist/bench/server-load.js [seconds=5] [connections=32] [durability=fsync]
 *
 * Prints one JSON line per scenario.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';

const seconds = Number(process.argv[2] ?? 5);
const connections = Number(process.argv[3] ?? 32);
const durability = process.argv[4] ?? 'fsync';
const BIN = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const pad = 'x'.repeat(200);

function percentile(sorted: number[], p: number): number {
  return Math.round((sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0) * 100) / 100;
}

async function start(dir: string): Promise<{ url: string; key: string; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, [BIN, '--db', join(dir, 'herald.db'), 'serve', '--port', '0', '--rate', '0', '--durability', durability], {
    stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, HERALD_LOG_LEVEL: 'warn' },
  });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
  while (!/listening on (\S+)/.test(stderr)) {
    if (child.exitCode !== null) throw new Error(stderr);
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    url: /listening on (\S+)/.exec(stderr)![1]!,
    key: readFileSync(join(dir, 'admin.key'), 'utf8').trim(),
    stop: () => new Promise((resolve) => { child.once('exit', () => resolve()); child.kill('SIGTERM'); }),
  };
}

function post(agent: Agent, url: string, headers: Record<string, string>, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent, headers: { ...headers, 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

let counter = 0;
const event = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({ specversion: '1.0', id: `e-${++counter}`, source: 'urn:bench', type: 'bench.published', datacontenttype: 'application/json', data: { pad, ...extra } });

/** `connections` loops, each sending requests back to back until the time is up. */
async function publishLoad(url: string, key: string, batch: number): Promise<Record<string, unknown>> {
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const target = `${url}/v1/topics/bench-${batch}/events`;
  const deadline = performance.now() + seconds * 1000;
  const latencies: number[] = [];
  let failures = 0;
  const loop = async (): Promise<void> => {
    while (performance.now() < deadline) {
      const started = performance.now();
      const status = batch === 1
        ? await post(agent, target, { authorization: `Bearer ${key}`, 'ce-specversion': '1.0', 'ce-id': `s-${++counter}`, 'ce-source': 'urn:bench', 'ce-type': 'bench.published', 'content-type': 'application/json' }, JSON.stringify({ pad }))
        : await post(agent, target, { authorization: `Bearer ${key}`, 'content-type': 'application/cloudevents-batch+json' }, JSON.stringify(Array.from({ length: batch }, () => event())));
      if (status === 200) latencies.push(performance.now() - started); else failures++;
    }
  };
  const began = performance.now();
  await Promise.all(Array.from({ length: connections }, loop));
  const elapsed = (performance.now() - began) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return {
    scenario: batch === 1 ? 'http publish, 1 event per request (binary mode)' : `http publish, ${batch} events per request (batch mode)`,
    connections, seconds: Math.round(elapsed * 10) / 10, requests: latencies.length, failures,
    requestsPerSecond: Math.round(latencies.length / elapsed), eventsPerSecond: Math.round((latencies.length * batch) / elapsed),
    latencyMs: { p50: percentile(latencies, 0.5), p90: percentile(latencies, 0.9), p99: percentile(latencies, 0.99), max: percentile(latencies, 1) },
  };
}

/** Publishes at a fixed rate over HTTP; a WebSocket subscriber measures publish-to-delivery latency. */
async function wsLatency(url: string, key: string, rate: number): Promise<Record<string, unknown>> {
  const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/v1/topics/bench-ws/ws`, { headers: { authorization: `Bearer ${key}` } });
  await new Promise((resolve, reject) => { socket.once('open', resolve); socket.once('error', reject); });
  const latencies: number[] = [];
  socket.on('message', (data: Buffer) => {
    const frame = JSON.parse(data.toString()) as { event?: { data?: { sentAt?: number } } };
    const sentAt = frame.event?.data?.sentAt;
    if (sentAt !== undefined) latencies.push(performance.now() - sentAt);
  });
  const agent = new Agent({ keepAlive: true, maxSockets: 16 });
  const target = `${url}/v1/topics/bench-ws/events`;
  const total = rate * seconds;
  const inflight: Promise<number>[] = [];
  const began = performance.now();
  for (let i = 0; i < total; i++) {
    const due = began + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    inflight.push(post(agent, target, { authorization: `Bearer ${key}`, 'content-type': 'application/cloudevents+json' }, JSON.stringify(event({ sentAt: performance.now() }))));
    if (inflight.length >= 256) await Promise.all(inflight.splice(0));
  }
  await Promise.all(inflight);
  const deadline = performance.now() + 5_000;
  while (latencies.length < total && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  socket.close();
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return {
    scenario: `e2e latency: HTTP publish -> WebSocket delivery at ${rate} events/s`, seconds, published: total, received: latencies.length,
    latencyMs: { p50: percentile(latencies, 0.5), p90: percentile(latencies, 0.9), p99: percentile(latencies, 0.99), max: percentile(latencies, 1) },
  };
}

const dir = mkdtempSync(join(tmpdir(), 'herald-server-load-'));
const server = await start(dir);
try {
  console.log(JSON.stringify({ machine: { cpus: (await import('node:os')).cpus().length, node: process.version }, durability, connections, seconds }));
  for (const batch of [1, 100]) console.log(JSON.stringify(await publishLoad(server.url, server.key, batch)));
  for (const rate of [500, 2000]) console.log(JSON.stringify(await wsLatency(server.url, server.key, rate)));
} finally {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}
