/**
 * A TCP proxy on loopback in front of a real server, for network faults without root or
 * iptables. `blackhole()` is a partition: connections stay open, bytes are read and held, nothing
 * is forwarded or answered (new connections are accepted and held too, never reach the server).
 * How it ends (`heal(mode)`):
 * - `flush`: the way TCP retransmission would after a short partition: what was held is delivered in order;
 * - `reset`: every connection is destroyed (the clients see a reset), new ones work;
 * - `stale`: the connections of the partition stay black-holed for ever, silently (a NAT entry or
 *   a server host lost: no RST ever comes); new connections work. Only a client's own timeouts
 *   (keepalive, pings, query timeouts) can notice.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';

export type HealMode = 'flush' | 'reset' | 'stale';

interface Pair {
  /** Black-holed: bytes are held, nothing is forwarded. */
  held: boolean;
  /** Black-holed for good (`stale`): bytes are dropped. */
  dead: boolean;
  client: Socket;
  upstream: Socket | undefined;
  /** Bytes held while partitioned, per direction. */
  toServer: Buffer[];
  toClient: Buffer[];
  /** A side closed during the partition: the other is closed at heal. */
  ended: boolean;
}

export class FaultProxy {
  private readonly pairs = new Set<Pair>();
  private partitioned = false;
  /** Connections accepted since the start (for reports). */
  accepted = 0;

  private constructor(private readonly server: Server, readonly port: number, private readonly target: { host: string; port: number }) {}

  static async start(target: { host: string; port: number }): Promise<FaultProxy> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('the fault proxy has no TCP port');
    const proxy = new FaultProxy(server, address.port, target);
    server.on('connection', (client) => proxy.accept(client));
    return proxy;
  }

  /** `url` with its host:port replaced by the proxy's. */
  rewrite(url: string): string {
    return url.replace(`${this.target.host}:${this.target.port}`, `127.0.0.1:${this.port}`);
  }

  get connections(): number {
    return this.pairs.size;
  }

  blackhole(): void {
    this.partitioned = true;
    for (const pair of this.pairs) pair.held = true;
  }

  heal(mode: HealMode = 'flush'): void {
    this.partitioned = false;
    for (const pair of [...this.pairs]) {
      if (!pair.held || pair.dead) continue;
      if (mode === 'reset') { this.drop(pair); continue; }
      if (mode === 'stale') { pair.dead = true; pair.toServer = []; pair.toClient = []; continue; }
      pair.held = false;
      if (pair.ended) { this.flush(pair); this.drop(pair, true); continue; }
      if (!pair.upstream) this.dial(pair);
      else this.flush(pair);
    }
  }

  /** Destroys every connection now (the clients see a reset). */
  reset(): void {
    for (const pair of [...this.pairs]) this.drop(pair);
  }

  async close(): Promise<void> {
    this.reset();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    this.accepted++;
    const pair: Pair = { held: this.partitioned, dead: false, client, upstream: undefined, toServer: [], toClient: [], ended: false };
    this.pairs.add(pair);
    client.setNoDelay(true);
    client.on('data', (chunk) => {
      if (pair.dead) return;
      if (pair.held || !pair.upstream || pair.upstream.connecting) pair.toServer.push(chunk);
      else pair.upstream.write(chunk);
    });
    client.on('error', () => undefined);
    client.on('close', () => this.closedSide(pair, 'client'));
    if (!pair.held) this.dial(pair);
  }

  private dial(pair: Pair): void {
    const upstream = connect({ host: this.target.host, port: this.target.port });
    pair.upstream = upstream;
    upstream.setNoDelay(true);
    upstream.on('connect', () => { if (!pair.held) this.flush(pair); });
    upstream.on('data', (chunk) => {
      if (pair.dead) return;
      if (pair.held) pair.toClient.push(chunk);
      else pair.client.write(chunk);
    });
    upstream.on('error', () => undefined);
    upstream.on('close', () => this.closedSide(pair, 'server'));
  }

  private flush(pair: Pair): void {
    const upstream = pair.upstream;
    if (upstream && !upstream.connecting) for (const chunk of pair.toServer.splice(0)) upstream.write(chunk);
    for (const chunk of pair.toClient.splice(0)) pair.client.write(chunk);
  }

  private closedSide(pair: Pair, side: 'client' | 'server'): void {
    if (!this.pairs.has(pair)) return;
    // A dead connection never tells the client anything; the client giving up ends it.
    if (pair.dead) { if (side === 'client') this.drop(pair); return; }
    if (pair.held) { pair.ended = true; return; }
    this.flush(pair);
    this.drop(pair, true);
  }

  /** Closes both sides: gracefully (what was written still goes out) or at once. */
  private drop(pair: Pair, graceful = false): void {
    this.pairs.delete(pair);
    for (const socket of [pair.client, pair.upstream]) {
      if (graceful) socket?.end();
      else socket?.destroy();
    }
  }
}
