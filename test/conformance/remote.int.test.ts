/**
 * The EventLog and consumer-runtime conformance suites against the remote client: a real
 * herald server on a random loopback port, on a fresh SQLite file, with API keys. Every
 * `open()` is a new tenant of the same server (so each test starts empty, and tenants are
 * proven isolated along the way); `reopen()` restarts the server on the same file, so the
 * durability suite also proves a graceful shutdown keeps everything acknowledged.
 */
import { after } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectRemoteLog, type RemoteLog } from '../../src/client/index.js';
import { SqliteLog } from '../../src/backends/sqlite/sqlite-log.js';
import { startServer, type HeraldServer } from '../../src/server/server.js';
import { FakeClock, runLogConformance, runRuntimeConformance } from './index.js';

interface Remote {
  open(): Promise<RemoteLog>;
  reopen(): Promise<RemoteLog>;
  close(): Promise<void>;
}

const dir = mkdtempSync(join(tmpdir(), 'herald-remote-'));
const remotes: Remote[] = [];
after(async () => {
  await Promise.all(remotes.map((r) => r.close()));
  rmSync(dir, { recursive: true, force: true });
});

/** A server on its own database file; `clock` is given to its log (and to the suite, when present). */
function remote(name: string, clock?: FakeClock): Remote {
  const path = join(dir, `${name}.db`);
  let server: Promise<HeraldServer> | undefined;
  let tenants = 0;
  let lastKey = '';
  const start = (): Promise<HeraldServer> => startServer({
    log: new SqliteLog({ path, ...(clock ? { clock } : {}) }), ownsLog: true, port: 0, logger: false,
    // The suites measure semantics, not limits (those have their own tests): no rate limit here.
    limits: { rate: false },
  });
  const connect = async (s: HeraldServer, key: string): Promise<RemoteLog> => connectRemoteLog({ url: s.url, key, pollMs: 50 });
  const self: Remote = {
    async open() {
      const s = await (server ??= start());
      lastKey = (await s.keys!.create({ tenant: `${name}-${++tenants}`, permissions: ['*:>'] })).key;
      return connect(s, lastKey);
    },
    async reopen() {
      await (await server!).close();
      server = start();
      return connect(await server, lastKey);
    },
    async close() {
      if (server) await (await server).close();
    },
  };
  remotes.push(self);
  return self;
}

const system = remote('system');
runLogConformance({ name: 'remote', open: () => system.open(), reopen: () => system.reopen() });

// The server's log on a virtual clock (it runs in this process): the lease, retry and model tests run without sleeping.
const clock = new FakeClock();
const virtual = remote('virtual', clock);
runLogConformance({ name: 'remote (virtual clock)', clock, open: () => virtual.open(), reopen: () => virtual.reopen() });

const runtime = remote('runtime');
runRuntimeConformance({ name: 'remote', open: () => runtime.open() });
