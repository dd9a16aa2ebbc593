import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { openHerald } from '../herald.js';
import type { EventLog } from '../log/types.js';
import { startServer } from '../server/server.js';
import { DEFAULT_DB, type Ctx } from './context.js';

interface ServeFlags {
  port?: number; host: string; dev?: boolean; adminKeyFile?: string; tlsCert?: string; tlsKey?: string;
  bodyLimit?: number; rate?: number; durability?: 'fsync' | 'os'; allowOrigin: string[];
}

const int = (name: string, min: number) => (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be an integer >= ${min}`);
  return n;
};

const DEV_WARNING = `
  ############################################################################
  #  --dev: AUTHENTICATION IS OFF. Anyone who can reach this port can read,  #
  #  publish, delete and administer everything. Local development only.      #
  ############################################################################
`;

/** Waits for SIGINT (through the CLI's interrupt signal) or SIGTERM. */
function stopSignal(ctx: Ctx): Promise<string> {
  return new Promise((done) => {
    const signal = ctx.interruptible();
    const onTerm = (): void => finish('SIGTERM');
    const finish = (name: string): void => {
      process.off('SIGTERM', onTerm);
      done(name);
    };
    process.once('SIGTERM', onTerm);
    if (signal?.aborted) finish('SIGINT');
    signal?.addEventListener('abort', () => finish('SIGINT'), { once: true });
  });
}

export function registerServe(program: Command, ctx: Ctx): void {
  program.command('serve')
    .description('run the herald server (HTTP, SSE and WebSocket API) on the embedded log at --db')
    .option('--port <port>', 'TCP port (default $HERALD_PORT, else 8080; 0 picks a free one)', int('--port', 0))
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option('--dev', 'run WITHOUT AUTHENTICATION (local development only)')
    .option('--admin-key-file <path>', 'where the first admin key is written when there is none (default: admin.key beside the database)')
    .option('--tls-cert <path>', 'serve HTTPS with this certificate (PEM); needs --tls-key')
    .option('--tls-key <path>', 'the certificate\'s private key (PEM)')
    .option('--body-limit <bytes>', 'largest request body (default 1 MiB)', int('--body-limit', 1024))
    .option('--rate <requests>', 'requests per second per key, bursts of twice that (default 2000; 0: no limit)', int('--rate', 0))
    .option('--durability <mode>', 'fsync (default): an answered publish is on disk; os: survives a process crash only')
    .option('--allow-origin <origin>', 'a browser origin allowed to call (repeat; default: any)', (v: string, prev: string[]) => [...prev, v], [])
    .addHelpText('after', `
Every route needs an API key (Authorization: Bearer hk_<id>_<secret>) unless --dev. On first
start the server creates an admin key for tenant "default" and writes it to --admin-key-file
(mode 0600); create more with \`herald keys create\` or POST /v1/keys. SIGTERM or Ctrl-C stops
it gracefully: requests in flight finish, nothing answered is lost. API: GET /openapi.json.

Examples:
  $ herald serve
  $ herald --db /var/lib/herald/herald.db serve --host 0.0.0.0 --port 8080 --tls-cert cert.pem --tls-key key.pem
  $ herald serve --dev`)
    .action(async (flags: ServeFlags) => {
      const path = program.opts<{ db?: string }>().db ?? ctx.env.HERALD_DB ?? DEFAULT_DB;
      if ((flags.tlsCert === undefined) !== (flags.tlsKey === undefined)) throw new InvalidArgumentError('--tls-cert and --tls-key go together');
      if (flags.durability !== undefined && flags.durability !== 'fsync' && flags.durability !== 'os') throw new InvalidArgumentError('--durability is fsync or os');
      let log: EventLog;
      if (ctx.deps.openLog) log = await ctx.deps.openLog({ path, create: true });
      else {
        mkdirSync(dirname(resolve(path)), { recursive: true });
        log = (await openHerald({ path, durability: flags.durability ?? 'fsync' })).log;
      }
      const port = flags.port ?? (ctx.env.HERALD_PORT !== undefined ? int('HERALD_PORT', 0)(ctx.env.HERALD_PORT) : 8080);
      const server = await startServer({
        log, ownsLog: true, host: flags.host, port, dev: flags.dev ?? false,
        logger: { level: ctx.env.HERALD_LOG_LEVEL ?? 'info', stream: ctx.io.stdout },
        limits: {
          ...(flags.bodyLimit ? { bodyLimit: flags.bodyLimit } : {}),
          ...(flags.rate !== undefined ? { rate: flags.rate === 0 ? false : { perSecond: flags.rate, burst: flags.rate * 2 } } : {}),
        },
        ...(flags.allowOrigin.length > 0 ? { allowedOrigins: flags.allowOrigin } : {}),
        ...(flags.tlsCert && flags.tlsKey ? { https: { cert: readFileSync(flags.tlsCert), key: readFileSync(flags.tlsKey) } } : {}),
      }).catch(async (error: unknown) => {
        await log.close();
        throw error;
      });
      if (flags.dev) ctx.err(DEV_WARNING);
      else if (server.keys!.size === 0) {
        const file = resolve(flags.adminKeyFile ?? join(dirname(resolve(path)), 'admin.key'));
        const { key, info } = await server.keys!.create({ tenant: 'default', permissions: ['*:>'], name: 'first admin key' });
        writeFileSync(file, `${key}\n`, { mode: 0o600 });
        ctx.err(`created the first admin key (${info.id}, tenant "default", every permission); it is in ${file}${existsSync(file) ? '' : ' (not written!)'}`);
      }
      ctx.err(`herald listening on ${server.url} (database ${path}${flags.dev ? ', NO AUTHENTICATION' : ''}); API at ${server.url}/openapi.json`);
      const why = await stopSignal(ctx);
      ctx.err(`${why}: draining and closing`);
      await server.close();
      ctx.err('herald stopped');
    });
}
