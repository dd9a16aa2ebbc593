/**
 * The event-store conformance suite against the remote client's streams: every `open()` starts a
 * herald server on loopback (--dev mode, so the suite's names and `$all` positions are the log's
 * own) on a fresh SQLite file with the suite's clock and `streamTopic`; `reopen()` restarts the
 * server on the same file, so the persistence test also proves a graceful shutdown keeps every
 * acknowledged append. Polling is off: one client is under test, and it hears its own appends at
 * once (other clients' appends are tested in src/client/remote-streams.int.test.ts).
 */
import assert from 'node:assert/strict';
import { after } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectRemoteLog } from '../../src/client/index.js';
import { SqliteLog } from '../../src/backends/sqlite/sqlite-log.js';
import type { StreamTopic } from '../../src/log/stream-checks.js';
import { hasStreams, type StreamLog } from '../../src/log/streams.js';
import { startServer, type HeraldServer } from '../../src/server/server.js';
import { FakeClock } from './index.js';
import { runStreamStoreConformance } from './streams/index.js';

const dir = mkdtempSync(join(tmpdir(), 'herald-remote-streams-'));
const clock = new FakeClock();
let files = 0;
let current: { server: HeraldServer; path: string; streamTopic: StreamTopic | undefined } | undefined;

after(async () => {
  await current?.server.close();
  rmSync(dir, { recursive: true, force: true });
});

async function serve(path: string, streamTopic: StreamTopic | undefined): Promise<StreamLog> {
  await current?.server.close();
  const server = await startServer({
    log: new SqliteLog({ path, clock, ...(streamTopic ? { streamTopic } : {}) }), ownsLog: true, dev: true, port: 0, logger: false,
    limits: { rate: false },
  });
  current = { server, path, streamTopic };
  const log = await connectRemoteLog({ url: server.url, pollMs: 0 });
  assert.ok(hasStreams(log), 'the server says its backend keeps streams');
  return log;
}

runStreamStoreConformance('remote', {
  clock,
  open: (options) => serve(join(dir, `${++files}.db`), options?.streamTopic),
  reopen: () => serve(current!.path, current!.streamTopic),
});
