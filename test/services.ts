/**
 * The real servers the backend tests talk to, and how to start each. A test that needs one calls
 * `requireService`: under CI (CI=true) a missing server fails the test loudly; elsewhere the
 * test is skipped with the command that starts it.
 */
import { connect } from 'node:net';

export interface Service {
  name: string;
  host: string;
  port: number;
  /** How to start it on a Debian machine like CI's. */
  start: string;
}

export const SERVICES = {
  postgres: { name: 'PostgreSQL', host: '127.0.0.1', port: 5432, start: "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start" },
  redis: { name: 'Redis', host: '127.0.0.1', port: 6379, start: 'redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no' },
  rabbitmq: { name: 'RabbitMQ', host: '127.0.0.1', port: 5672, start: 'rabbitmq-server -detached' },
  nats: { name: 'NATS JetStream', host: '127.0.0.1', port: 4222, start: 'nats-server -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server &' },
} as const satisfies Record<string, Service>;

export type ServiceId = keyof typeof SERVICES;

/** Connection settings the tests use (overridable for other machines). */
export const SERVICE_URLS: Record<ServiceId, string> = {
  postgres: process.env.HERALD_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/test',
  redis: process.env.HERALD_TEST_REDIS ?? 'redis://127.0.0.1:6379',
  rabbitmq: process.env.HERALD_TEST_AMQP ?? 'amqp://guest:guest@127.0.0.1:5672',
  nats: process.env.HERALD_TEST_NATS ?? 'nats://127.0.0.1:4222',
};

/** Whether something accepts TCP connections at the service's address (within 1 s). */
export function reachable(service: Service, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: service.host, port: service.port });
    const done = (ok: boolean): void => { socket.destroy(); resolve(ok); };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * Resolves true when the service is up. When it is down: throws under CI, otherwise returns false
 * after telling how to start it (pass `skip` = node:test's `t.skip` or a describe-level flag).
 */
export async function requireService(id: ServiceId, skip?: (message: string) => void): Promise<boolean> {
  const service = SERVICES[id];
  if (await reachable(service)) return true;
  const message = `${service.name} is not reachable at ${service.host}:${service.port}; start it with: ${service.start}`;
  if (process.env.CI === 'true') throw new Error(`CI=true and ${message}`);
  if (skip) skip(message);
  else console.warn(`skipping: ${message}`);
  return false;
}
