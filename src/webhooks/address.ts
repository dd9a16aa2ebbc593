import { BlockList, isIP } from 'node:net';
import { invalidArgument } from '../core/errors.js';

/**
 * Which addresses a webhook may reach. Everything that is not the public internet is refused
 * unless allow-listed: loopback, private, link-local (the cloud metadata service at
 * 169.254.169.254), carrier-grade NAT, documentation, multicast and reserved ranges, and the
 * IPv6 forms that embed an IPv4 address (mapped, NAT64, 6to4), so none of them is a way around.
 */
const NOT_PUBLIC: readonly [string, number, 'ipv4' | 'ipv6'][] = [
  ['0.0.0.0', 8, 'ipv4'], ['10.0.0.0', 8, 'ipv4'], ['100.64.0.0', 10, 'ipv4'], ['127.0.0.0', 8, 'ipv4'],
  ['169.254.0.0', 16, 'ipv4'], ['172.16.0.0', 12, 'ipv4'], ['192.0.0.0', 24, 'ipv4'], ['192.0.2.0', 24, 'ipv4'],
  ['192.88.99.0', 24, 'ipv4'], ['192.168.0.0', 16, 'ipv4'], ['198.18.0.0', 15, 'ipv4'], ['198.51.100.0', 24, 'ipv4'],
  ['203.0.113.0', 24, 'ipv4'], ['224.0.0.0', 4, 'ipv4'], ['240.0.0.0', 4, 'ipv4'],
  ['::', 128, 'ipv6'], ['::1', 128, 'ipv6'], ['64:ff9b::', 96, 'ipv6'], ['64:ff9b:1::', 48, 'ipv6'],
  ['100::', 64, 'ipv6'], ['2001::', 23, 'ipv6'], ['2001:db8::', 32, 'ipv6'], ['2002::', 16, 'ipv6'],
  ['fc00::', 7, 'ipv6'], ['fe80::', 10, 'ipv6'], ['fec0::', 10, 'ipv6'], ['ff00::', 8, 'ipv6'],
];

const notPublic = new BlockList();
// No ::ffff:0:0/96 rule: BlockList would match every IPv4 address against it; mapped addresses are
// turned into the IPv4 address they carry before the check instead.
for (const [net, prefix, type] of NOT_PUBLIC) notPublic.addSubnet(net, prefix, type);

/** `::ffff:7f00:1` and `::ffff:127.0.0.1` are 127.0.0.1: judged as the IPv4 address they carry. */
export function canonicalAddress(address: string): { address: string; family: 4 | 6 } {
  const family = isIP(address);
  if (family === 4) return { address, family };
  if (family !== 6) throw invalidArgument(`not an IP address: ${JSON.stringify(address)}`, { field: 'address' });
  const compact = new URL(`http://[${address}]/`).hostname.slice(1, -1);
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(compact);
  if (!mapped) return { address: compact, family: 6 };
  const hi = parseInt(mapped[1]!, 16);
  const lo = parseInt(mapped[2]!, 16);
  return { address: `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`, family: 4 };
}

export function isPublicAddress(address: string): boolean {
  const c = canonicalAddress(address);
  return !notPublic.check(c.address, c.family === 4 ? 'ipv4' : 'ipv6');
}

/** Addresses let through although not public: exact IPs or CIDR ranges, e.g. `['10.1.0.0/16', '::1']`. */
export class AllowList {
  private readonly list = new BlockList();
  readonly size: number;

  constructor(entries: readonly string[] = []) {
    entries.forEach((entry, i) => {
      const field = `allow[${i}]`;
      if (typeof entry !== 'string') throw invalidArgument(`${field} must be an IP address or CIDR range`, { field });
      const [ip = '', bits, extra] = entry.split('/');
      const family = isIP(ip);
      const max = family === 4 ? 32 : 128;
      const prefix = bits === undefined ? max : Number(bits);
      if (family === 0 || extra !== undefined || !Number.isInteger(prefix) || prefix < 0 || prefix > max || (bits !== undefined && !/^\d+$/.test(bits))) {
        throw invalidArgument(`${field} must be an IP address or CIDR range, got ${JSON.stringify(entry)}`, { field });
      }
      this.list.addSubnet(ip, prefix, family === 4 ? 'ipv4' : 'ipv6');
    });
    this.size = entries.length;
  }

  has(address: string): boolean {
    const c = canonicalAddress(address);
    return this.list.check(c.address, c.family === 4 ? 'ipv4' : 'ipv6');
  }
}
