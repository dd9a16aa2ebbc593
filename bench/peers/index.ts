import { HeraldPeer } from './herald.js';
import { NatsPeer } from './nats.js';
import { PostgresPeer } from './postgres.js';
import { RabbitPeer } from './rabbitmq.js';
import { RedisPeer } from './redis.js';
import type { Peer } from './types.js';

export type { Peer } from './types.js';

/** Every system in the order the tables show them: herald first, then the peers. */
export const SYSTEMS = ['herald', 'herald-os', 'nats', 'redis', 'redis-everysec', 'rabbitmq', 'postgres'] as const;

/** The systems `--only a,b` names: `herald` selects both herald rows, `herald-os` only that one. */
export function selectSystems(only?: readonly string[]): string[] {
  if (!only || only.length === 0) return [...SYSTEMS];
  const unknown = only.filter((w) => !SYSTEMS.some((id) => id === w || id.startsWith(`${w}-`)));
  if (unknown.length > 0) throw new Error(`unknown system ${unknown.join(', ')} (known: ${SYSTEMS.join(', ')})`);
  return SYSTEMS.filter((id) => only.some((w) => id === w || id.startsWith(`${w}-`)));
}

export interface PeerOptions {
  /** Where herald's files go (a temporary directory). */
  dataDir: string;
  /** Turn Redis's AOF on with appendfsync always for the run (default true). */
  durableRedis?: boolean;
}

export function makePeer(id: string, options: PeerOptions): Peer {
  switch (id) {
    case 'herald': return new HeraldPeer(options.dataDir, 'fsync');
    case 'herald-os': return new HeraldPeer(options.dataDir, 'os');
    case 'nats': return new NatsPeer();
    case 'redis': return new RedisPeer(options.durableRedis === false ? 'server' : 'always');
    case 'redis-everysec': return new RedisPeer(options.durableRedis === false ? 'server' : 'everysec');
    case 'rabbitmq': return new RabbitPeer();
    case 'postgres': return new PostgresPeer();
    default: throw new Error(`unknown system ${id}`);
  }
}

export function isHerald(id: string): boolean {
  return id === 'herald' || id.startsWith('herald-');
}
