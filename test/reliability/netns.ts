/**
 * Hosts in network namespaces on this machine, for partition tests (the soak's R11). Each host has
 * two interfaces on two bridges: `client` (10.x.y.0/24, reached from this process through the
 * bridge's own address) and `peer` (10.x.y+1.0/24, between the hosts only). `isolate(i)` unplugs a
 * host's peer interface from its bridge, a black hole rather than a refused connection (the kernel
 * here has no netem, and there is no iptables), while its clients still reach it: a node cut off
 * from its cluster that still takes requests. Needs root and iproute2; every name carries a random
 * tag, and `destroy()` (also at process exit) removes what was made.
 */
import { execFileSync } from 'node:child_process';

export interface NetnsHost { ns: string; clientIp: string; peerIp: string }

const ip = (...args: string[]): void => { execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] }); };

/** Whether namespaces can be made here (root and iproute2), and if not, why. */
export function netnsUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'partitions need root (ip netns)';
  try { execFileSync('ip', ['netns', 'list'], { stdio: 'ignore' }); } catch { return 'partitions need iproute2 (ip netns)'; }
  return undefined;
}

export class NetnsHosts {
  readonly hosts: NetnsHost[];
  private readonly tag = Math.random().toString(36).slice(2, 6);
  private readonly made: { kind: 'ns' | 'link'; name: string }[] = [];
  private readonly cleanup = (): void => this.destroy();

  constructor(count: number) {
    const a = 200 + Math.floor(Math.random() * 50);
    const b = 2 * Math.floor(Math.random() * 120);
    const net = { client: `10.${a}.${b}`, peer: `10.${a}.${b + 1}` };
    this.hosts = Array.from({ length: count }, (_, i) => ({ ns: `hn${this.tag}${i + 1}`, clientIp: `${net.client}.${i + 1}`, peerIp: `${net.peer}.${i + 1}` }));
    process.once('exit', this.cleanup);
    try {
      this.bridge(this.clientBridge, `${net.client}.254/24`);
      this.bridge(this.peerBridge);
      this.hosts.forEach((h, i) => {
        ip('netns', 'add', h.ns);
        this.made.push({ kind: 'ns', name: h.ns });
        ip('netns', 'exec', h.ns, 'ip', 'link', 'set', 'lo', 'up');
        this.plug(h, 'c0', this.clientVeth(i), this.clientBridge, h.clientIp);
        this.plug(h, 'p0', this.peerVeth(i), this.peerBridge, h.peerIp);
      });
    } catch (error) {
      this.destroy();
      throw error;
    }
  }

  /** `command args` to run inside host `i`'s namespace (`ip netns exec` execs it: the PID is the command's). */
  command(i: number, command: string, args: readonly string[]): [string, string[]] {
    return ['ip', ['netns', 'exec', this.hosts[i]!.ns, command, ...args]];
  }

  /** Cuts host `i` off from the other hosts (its clients still reach it). */
  isolate(i: number): void { ip('link', 'set', this.peerVeth(i), 'nomaster'); }

  heal(i: number): void { ip('link', 'set', this.peerVeth(i), 'master', this.peerBridge); }

  destroy(): void {
    process.removeListener('exit', this.cleanup);
    for (const { kind, name } of this.made.splice(0).reverse()) {
      try { if (kind === 'ns') ip('netns', 'del', name); else ip('link', 'del', name); } catch { /* already gone */ }
    }
  }

  private get clientBridge(): string { return `hbc${this.tag}`; }
  private get peerBridge(): string { return `hbp${this.tag}`; }
  private clientVeth(i: number): string { return `hc${this.tag}${i + 1}`; }
  private peerVeth(i: number): string { return `hp${this.tag}${i + 1}`; }

  private bridge(name: string, address?: string): void {
    ip('link', 'add', name, 'type', 'bridge');
    this.made.push({ kind: 'link', name });
    if (address) ip('addr', 'add', address, 'dev', name);
    ip('link', 'set', name, 'up');
  }

  /** A veth pair: `outer` on `bridge` here, `inner` with `address` in the host's namespace. */
  private plug(host: NetnsHost, inner: string, outer: string, bridge: string, address: string): void {
    const temp = `${outer}x`;
    ip('link', 'add', outer, 'type', 'veth', 'peer', 'name', temp);
    this.made.push({ kind: 'link', name: outer });
    ip('link', 'set', temp, 'netns', host.ns);
    const inNs = (...args: string[]): void => ip('netns', 'exec', host.ns, 'ip', ...args);
    inNs('link', 'set', temp, 'name', inner);
    inNs('addr', 'add', `${address}/24`, 'dev', inner);
    inNs('link', 'set', inner, 'up');
    ip('link', 'set', outer, 'master', bridge);
    ip('link', 'set', outer, 'up');
  }
}
