/**
 * A herald server for R13's stream tests, instrumented from outside: the log is wrapped so the
 * test can count live `onAppend` listeners, and the server's TCP sockets and WebSocket clients
 * are tracked so the test can watch what waits in their send buffers.
 */
import { getEventListeners } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WebSocket } from 'ws';
import { SqliteLog } from '../../src/backends/sqlite/sqlite-log.js';
import type { EventLog } from '../../src/log/types.js';
import type { Limits } from '../../src/server/gateway.js';
import { startServer, type HeraldServer } from '../../src/server/server.js';

export interface Probe {
  server: HeraldServer;
  url: string;
  log: EventLog;
  key: string;
  logs: string[];
  /** `onAppend` listeners registered through the server and not yet removed. */
  listeners(): number;
  /** Open SSE and WebSocket streams the gateway tracks (one slot each). */
  streams(): number;
  /** Server-side TCP sockets not yet closed. */
  sockets(): number;
  /**
   * What hangs on the server's long-lived shutdown signal: its 'abort' listeners, and the signals
   * `AbortSignal.any` derived from it (Node keeps one entry per derived signal, an internal set:
   * on Node 20 they are never removed, which is how R13 found a leak of ~250 bytes a stream).
   */
  onClosing(): { listeners: number; derived: number };
  /** Bytes waiting for clients right now: the largest WebSocket `bufferedAmount` and the largest socket `writableLength`. */
  buffered(): { ws: number; tcp: number };
  close(): Promise<void>;
}

/** Counts listeners through the public `onAppend` (every other member goes to the log itself). */
function counting(log: SqliteLog, count: { n: number }): EventLog {
  return new Proxy(log, {
    get(target, prop) {
      if (prop === 'onAppend') {
        return (topic: string, listener: () => void) => {
          const off = target.onAppend(topic, listener);
          count.n++;
          let removed = false;
          return () => {
            if (!removed) count.n--;
            removed = true;
            off();
          };
        };
      }
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

export async function startProbe(limits: Partial<Limits> = {}): Promise<Probe> {
  const dir = mkdtempSync(join(tmpdir(), 'herald-r13-ws-'));
  const count = { n: 0 };
  const log = counting(new SqliteLog({ path: join(dir, 'herald.db') }), count);
  const logs: string[] = [];
  const server = await startServer({
    log, ownsLog: true, port: 0, limits, followPollMs: 100, keyPollMs: 100,
    logger: { level: 'info', stream: { write: (line: string) => { if (!line.includes('"request completed"') && !line.includes('"incoming request"')) logs.push(line); } } },
  });
  const sockets = new Set<Socket>();
  server.app.server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  const clients = (): Set<WebSocket> => (server.app as unknown as { websocketServer: { clients: Set<WebSocket> } }).websocketServer.clients;
  const key = (await server.keys!.create({ tenant: 'acme', permissions: ['*:>'] })).key;
  return {
    server, url: server.url, log, key, logs,
    listeners: () => count.n,
    streams: () => server.gateway.streams.size,
    sockets: () => sockets.size,
    onClosing: () => {
      const closing = server.gateway.closing;
      const derived = Object.getOwnPropertySymbols(closing).find((s) => s.description === 'kDependantSignals');
      const set = derived === undefined ? undefined : (closing as unknown as Record<symbol, Set<unknown> | undefined>)[derived];
      return { listeners: getEventListeners(closing, 'abort').length, derived: set?.size ?? 0 };
    },
    buffered: () => ({
      ws: Math.max(0, ...[...clients()].map((c) => c.bufferedAmount)),
      tcp: Math.max(0, ...[...sockets].map((s) => s.writableLength)),
    }),
    close: async () => {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Resource counts by type (`process.getActiveResourcesInfo()`), e.g. { TCPSocketWrap: 3, Timeout: 5 }. */
export function activeResources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo()) counts[kind] = (counts[kind] ?? 0) + 1;
  return counts;
}
