import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';

export interface Node { name: string; port: number; clusterPort: number; dir: string; process?: ChildProcess }

/**
 * Where the nodes live: by default all on loopback; a partition test puts each in its own network
 * namespace (test/reliability/netns.ts), clients on one network and routes on another.
 */
export interface ClusterNetwork {
  clientHost(i: number): string;
  peerHost(i: number): string;
  command(i: number, command: string, args: readonly string[]): [string, string[]];
}

const LOOPBACK: ClusterNetwork = { clientHost: () => '127.0.0.1', peerHost: () => '127.0.0.1', command: (_i, command, args) => [command, [...args]] };

/** A JetStream cluster of `size` nats-server processes, each with its own store dir. */
export class LocalCluster {
  readonly nodes: Node[];
  private readonly root = mkdtempSync(join(tmpdir(), 'herald-nats-cluster-'));

  constructor(size = 3, private readonly network: ClusterNetwork = LOOPBACK) {
    // Random-ish ports away from 4222, so parallel runs rarely collide.
    const base = 20_000 + Math.floor(Math.random() * 20_000);
    this.nodes = Array.from({ length: size }, (_, i) => ({ name: `n${i + 1}`, port: base + i, clusterPort: base + 100 + i, dir: join(this.root, `n${i + 1}`) }));
    // Also when the test process ends abruptly on an error.
    process.once('exit', () => this.nodes.forEach((n) => this.kill(n)));
  }

  get urls(): string[] { return this.nodes.map((n) => this.url(n)); }

  url(node: Node): string { return `nats://${this.network.clientHost(this.nodes.indexOf(node))}:${node.port}`; }

  start(node: Node): void {
    const i = this.nodes.indexOf(node);
    const routes = this.nodes.filter((n) => n !== node).map((n) => `nats://${this.network.peerHost(this.nodes.indexOf(n))}:${n.clusterPort}`).join(',');
    const [command, args] = this.network.command(i, 'nats-server', [
      '-a', this.network.clientHost(i), '-p', String(node.port), '-n', node.name, '-js', '-sd', node.dir,
      '--cluster_name', 'herald-test', '--cluster', `nats://${this.network.peerHost(i)}:${node.clusterPort}`, '--routes', routes,
    ]);
    node.process = spawn(command, args, { stdio: 'ignore' });
  }

  startAll(): void { this.nodes.forEach((n) => this.start(n)); }

  /** SIGKILL, by PID: only processes this cluster started. */
  kill(node: Node): void {
    const child = node.process;
    node.process = undefined;
    if (child?.pid !== undefined && child.exitCode === null) child.kill('SIGKILL');
  }

  /**
   * Resolves once JetStream can place a stream on every node: a meta leader alone is not enough
   * (CI: "no suitable peers for placement" while a peer was still joining), so a probe stream
   * with one replica per node is made, then deleted.
   */
  async ready(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const probe = { name: 'ready_probe', subjects: ['ready.probe'], num_replicas: this.nodes.length, storage: 'memory' };
    for (;;) {
      try {
        const nc = await connect({ servers: this.urls, timeout: 1000 });
        try {
          const made = (await nc.request('$JS.API.STREAM.CREATE.ready_probe', JSON.stringify(probe), { timeout: 2000 })).json<{ error?: unknown }>();
          if (!made.error) {
            await nc.request('$JS.API.STREAM.DELETE.ready_probe', '', { timeout: 2000 });
            return;
          }
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
