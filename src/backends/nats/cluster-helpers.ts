import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';

export interface Node { name: string; port: number; clusterPort: number; dir: string; process?: ChildProcess }

/** A JetStream cluster of `size` nats-server processes on loopback, each with its own store dir. */
export class LocalCluster {
  readonly nodes: Node[];
  private readonly root = mkdtempSync(join(tmpdir(), 'herald-nats-cluster-'));

  constructor(size = 3) {
    // Random-ish ports away from 4222, so parallel runs rarely collide.
    const base = 20_000 + Math.floor(Math.random() * 20_000);
    this.nodes = Array.from({ length: size }, (_, i) => ({ name: `n${i + 1}`, port: base + i, clusterPort: base + 100 + i, dir: join(this.root, `n${i + 1}`) }));
    // Also when the test process ends abruptly on an error.
    process.once('exit', () => this.nodes.forEach((n) => this.kill(n)));
  }

  get urls(): string[] { return this.nodes.map((n) => `nats://127.0.0.1:${n.port}`); }

  start(node: Node): void {
    const routes = this.nodes.filter((n) => n !== node).map((n) => `nats://127.0.0.1:${n.clusterPort}`).join(',');
    node.process = spawn('nats-server', [
      '-a', '127.0.0.1', '-p', String(node.port), '-n', node.name, '-js', '-sd', node.dir,
      '--cluster_name', 'herald-test', '--cluster', `nats://127.0.0.1:${node.clusterPort}`, '--routes', routes,
    ], { stdio: 'ignore' });
  }

  startAll(): void { this.nodes.forEach((n) => this.start(n)); }

  /** SIGKILL, by PID: only processes this cluster started. */
  kill(node: Node): void {
    const child = node.process;
    node.process = undefined;
    if (child?.pid !== undefined && child.exitCode === null) child.kill('SIGKILL');
  }

  /** Resolves once JetStream answers API calls (a meta leader was elected). */
  async ready(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        const nc = await connect({ servers: this.urls, timeout: 1000 });
        try {
          const info = (await nc.request('$JS.API.INFO', '', { timeout: 1000 })).json<{ error?: unknown }>();
          if (!info.error) return;
        } finally {
          await nc.close();
        }
      } catch { /* not yet */ }
      if (Date.now() > deadline) throw new Error('the JetStream cluster did not become ready');
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  stopAll(): void {
    this.nodes.forEach((n) => this.kill(n));
    rmSync(this.root, { recursive: true, force: true });
  }
}
