/** Shared by the server's tests (not part of the public API): a server on loopback with keys and captured logs. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteLog } from '../backends/sqlite/sqlite-log.js';
import { MemoryLog } from '../log/memory/index.js';
import type { EventLog } from '../log/types.js';
import type { JwtOptions } from '../security/jwt.js';
import type { ServerWebhookOptions } from './webhooks.js';
import type { Limits } from './gateway.js';
import { startServer, type HeraldServer } from './server.js';

export interface TestServer {
  server: HeraldServer;
  url: string;
  log: EventLog;
  /** Every line the server logged. */
  logs: string[];
  /** A key of `tenant` (default `acme`) with these permissions (default all). */
  key(permissions?: string[], tenant?: string): Promise<string>;
  close(): Promise<void>;
}

export interface TestServerOptions {
  dev?: boolean;
  limits?: Partial<Limits>;
  /** `sqlite` puts the log in a temporary file (default: memory). */
  backend?: 'memory' | 'sqlite';
  followPollMs?: number;
  keyPollMs?: number;
  allowedOrigins?: string[];
  jwt?: JwtOptions;
  webhooks?: ServerWebhookOptions[];
}

export async function testServer(options: TestServerOptions = {}): Promise<TestServer> {
  const dir = options.backend === 'sqlite' ? mkdtempSync(join(tmpdir(), 'herald-server-')) : undefined;
  const log: EventLog = dir ? new SqliteLog({ path: join(dir, 'herald.db') }) : new MemoryLog();
  const logs: string[] = [];
  const server = await startServer({
    log, ownsLog: true, port: 0, dev: options.dev ?? false, limits: options.limits ?? {},
    logger: { level: 'debug', stream: { write: (line: string) => logs.push(line) } },
    followPollMs: options.followPollMs ?? 100, keyPollMs: options.keyPollMs ?? 100,
    ...(options.allowedOrigins ? { allowedOrigins: options.allowedOrigins } : {}),
    ...(options.jwt ? { jwt: options.jwt } : {}),
    ...(options.webhooks ? { webhooks: options.webhooks } : {}),
  });
  return {
    server, url: server.url, log, logs,
    key: async (permissions = ['*:>'], tenant = 'acme') => (await server.keys!.create({ tenant, permissions })).key,
    close: async () => {
      await server.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const bearer = (key: string): Record<string, string> => ({ authorization: `Bearer ${key}` });

export interface Answer<T = unknown> { status: number; headers: Headers; body: T; text: string }

/** One request; the body is parsed when it is JSON. */
export async function call<T = Record<string, unknown>>(url: string, init: RequestInit & { json?: unknown } = {}): Promise<Answer<T>> {
  const { json, ...rest } = init;
  const headers = new Headers(rest.headers);
  if (json !== undefined) headers.set('content-type', 'application/json');
  const response = await fetch(url, { ...rest, headers, ...(json !== undefined ? { body: JSON.stringify(json) } : {}) });
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  return { status: response.status, headers: response.headers, body: body as T, text };
}

export const ce = (id: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  specversion: '1.0', id, source: 'urn:test', type: 'test.happened', datacontenttype: 'application/json', data: { id }, ...extra,
});

export async function publish(url: string, key: string, topic: string, events: Record<string, unknown>[]): Promise<Answer<{ receipts: { position: number }[] }>> {
  return call(`${url}/v1/topics/${topic}/events`, {
    method: 'POST', headers: { ...bearer(key), 'content-type': 'application/cloudevents-batch+json' }, body: JSON.stringify(events),
  });
}

/** Opens an SSE stream, collects what arrives within `ms`, then hangs up. */
export async function sse(url: string, headers: Record<string, string>, ms = 300): Promise<{ status: number; text: string }> {
  const abort = new AbortController();
  const response = await fetch(url, { headers, signal: abort.signal });
  if (!response.ok || !response.body) return { status: response.status, text: await response.text() };
  let text = '';
  const decoder = new TextDecoder();
  const reader = response.body.getReader();
  const timer = setTimeout(() => abort.abort(), ms);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
  } catch {
    // aborted
  } finally {
    clearTimeout(timer);
  }
  return { status: response.status, text };
}

/** Opens a WebSocket, collects frames for `ms`, closes; a refused upgrade gives its status and body. */
export async function wsProbe(url: string, headers: Record<string, string>, ms = 300): Promise<{ status: number; text: string }> {
  const { WebSocket } = await import('ws');
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url.replace(/^http/, 'ws'), { headers });
    let text = '';
    socket.on('unexpected-response', (req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => { body += c.toString(); });
      res.on('end', () => {
        req.destroy(); // with this listener, ws leaves the refused request to us
        resolve({ status: res.statusCode ?? 0, text: body });
      });
    });
    socket.on('open', () => setTimeout(() => socket.close(), ms));
    socket.on('message', (data: Buffer) => { text += data.toString(); });
    socket.on('close', () => resolve({ status: 101, text }));
    socket.on('error', (error) => { if (!text) reject(error); });
  });
}
