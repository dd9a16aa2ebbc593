import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { openHerald } from '../herald.js';
import { MemoryLog } from '../log/memory/index.js';
import type { EventLog } from '../log/types.js';
import { DEFAULT_DB } from './context.js';

/** The backends `herald serve` can run on; each new backend adds its kind and its opener here. */
export const BACKEND_KINDS = ['sqlite', 'memory'] as const;

export type BackendConfig =
  | { kind: 'sqlite'; path?: string; durability?: 'fsync' | 'os' }
  /** Nothing survives a restart: for tests and demos. */
  | { kind: 'memory' };

/** Opens the configured backend's log. */
export async function openBackend(config: BackendConfig): Promise<EventLog> {
  switch (config.kind) {
    case 'sqlite': {
      const path = config.path ?? DEFAULT_DB;
      mkdirSync(dirname(resolve(path)), { recursive: true });
      return (await openHerald({ path, durability: config.durability ?? 'fsync' })).log;
    }
    case 'memory':
      return new MemoryLog();
  }
}

/** One line for the startup banner. */
export function describeBackend(config: BackendConfig): string {
  return config.kind === 'sqlite' ? `embedded SQLite at ${config.path ?? DEFAULT_DB}` : 'in memory (nothing survives a restart)';
}
