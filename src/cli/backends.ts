import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { openSqliteLog } from '../backends/sqlite/index.js';
import { tenantStreamTopic } from '../security/tenant-streams.js';
import { MemoryLog } from '../log/memory/index.js';
import type { EventLog } from '../log/types.js';
import { DEFAULT_DB } from './context.js';

/** The backends `herald serve` can run on; each new backend adds its kind and its opener here. */
export const BACKEND_KINDS = ['sqlite', 'memory', 'postgres', 'nats', 'redis', 'rabbitmq'] as const;

/** A scale-out engine: where it is, and the namespace (schema or prefix) herald keeps its data in. */
interface Remote<K extends string> { kind: K; url?: string; namespace?: string }

export type BackendConfig =
  | { kind: 'sqlite'; path?: string; durability?: 'fsync' | 'os' }
  /** Nothing survives a restart: for tests and demos. */
  | { kind: 'memory' }
  | Remote<'postgres'> | Remote<'nats'> | Remote<'redis'> | Remote<'rabbitmq'>;

const DEFAULT_URL = {
  postgres: 'postgres://127.0.0.1:5432/herald', nats: 'nats://127.0.0.1:4222', redis: 'redis://127.0.0.1:6379', rabbitmq: 'amqp://127.0.0.1:5672',
} as const;

/** Opens the configured backend's log. */
export async function openBackend(config: BackendConfig): Promise<EventLog> {
  switch (config.kind) {
    // A tenant's streams land on that tenant's topics (tenant names may contain '-').
    case 'sqlite': {
      const path = config.path ?? DEFAULT_DB;
      mkdirSync(dirname(resolve(path)), { recursive: true });
      return openSqliteLog({ path, durability: config.durability ?? 'fsync', streamTopic: tenantStreamTopic() });
    }
    case 'memory':
      return new MemoryLog({ streamTopic: tenantStreamTopic() });
    // Imported when chosen, so a deployment needs only its own engine's driver installed.
    case 'postgres': {
      const { openPostgresLog } = await import('../backends/postgres/index.js');
      return openPostgresLog({ connectionString: config.url ?? DEFAULT_URL.postgres, ...(config.namespace ? { schema: config.namespace } : {}) });
    }
    case 'nats': {
      const { openNatsLog } = await import('../backends/nats/index.js');
      return openNatsLog({ servers: (config.url ?? DEFAULT_URL.nats).split(','), ...(config.namespace ? { prefix: config.namespace } : {}) });
    }
    case 'redis': {
      const { openRedisLog } = await import('../backends/redis/index.js');
      return openRedisLog({ url: config.url ?? DEFAULT_URL.redis, ...(config.namespace ? { prefix: config.namespace } : {}) });
    }
    case 'rabbitmq': {
      const { openRabbitLog } = await import('../backends/rabbitmq/index.js');
      return openRabbitLog({ url: config.url ?? DEFAULT_URL.rabbitmq, ...(config.namespace ? { prefix: config.namespace } : {}) });
    }
  }
}

/** One line for the startup banner. */
export function describeBackend(config: BackendConfig): string {
  if (config.kind === 'sqlite') return `embedded SQLite at ${config.path ?? DEFAULT_DB}`;
  if (config.kind === 'memory') return 'in memory (nothing survives a restart)';
  return `${config.kind} at ${redactUrl(config.url ?? DEFAULT_URL[config.kind])}${config.namespace ? `, namespace ${config.namespace}` : ''}`;
}

/** A URL as it may be printed: any password replaced. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/g, '//$1:***@');
}
