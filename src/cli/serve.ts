import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import type { EventLog } from '../log/types.js';
import { loadJwtOptions } from '../security/jwt-config.js';
import { startServer } from '../server/server.js';
import { describeBackend, openBackend } from './backends.js';
import { configFromEnv, mergeConfig, prune, readConfigFile, type ConfigLayer, type ServeConfig } from './config.js';
import { DEFAULT_DB, type Ctx } from './context.js';
import { loadWebhooks } from './webhook-config.js';

interface ServeFlags {
  config?: string; port?: number; host?: string; dev?: boolean; adminKeyFile?: string; tlsCert?: string; tlsKey?: string;
  bodyLimit?: number; rate?: number; durability?: 'fsync' | 'os'; allowOrigin: string[]; memory?: boolean;
  jwtSecretFile?: string; jwtPublicKey?: string; jwtIssuer?: string; jwtAudience?: string;
}

/** Flags over environment over the config file over defaults. */
function serveConfig(program: Command, ctx: Ctx, flags: ServeFlags): ServeConfig {
  const global = program.opts<{ db?: string; url?: string }>();
  if (global.url !== undefined) throw new InvalidArgumentError('serve runs a server on this machine; --url is for talking to one');
  if ((flags.tlsCert === undefined) !== (flags.tlsKey === undefined)) throw new InvalidArgumentError('--tls-cert and --tls-key go together');
  if (flags.durability !== undefined && flags.durability !== 'fsync' && flags.durability !== 'os') throw new InvalidArgumentError('--durability is fsync or os');
  const file = flags.config ?? ctx.env.HERALD_CONFIG;
  const fromFlags: ConfigLayer = {
    ...(flags.memory ? { backend: { kind: 'memory' } } : {}),
    ...(global.db !== undefined || flags.durability !== undefined
      ? { backend: { ...(global.db !== undefined ? { path: global.db } : {}), ...(flags.durability ? { durability: flags.durability } : {}) } } : {}),
    ...(flags.host !== undefined ? { host: flags.host } : {}),
    ...(flags.port !== undefined ? { port: flags.port } : {}),
    ...(flags.adminKeyFile !== undefined ? { adminKeyFile: flags.adminKeyFile } : {}),
    ...(flags.tlsCert && flags.tlsKey ? { tls: { cert: flags.tlsCert, key: flags.tlsKey } } : {}),
    ...(flags.bodyLimit !== undefined ? { bodyLimit: flags.bodyLimit } : {}),
    ...(flags.rate !== undefined ? { rate: flags.rate } : {}),
    ...(flags.allowOrigin.length > 0 ? { allowOrigins: flags.allowOrigin } : {}),
  };
  const jwt = prune({ secretFile: flags.jwtSecretFile, publicKeyFile: flags.jwtPublicKey, issuer: flags.jwtIssuer, audience: flags.jwtAudience });
  if (Object.keys(jwt).length > 0) fromFlags.jwt = jwt;
  if (flags.memory && (global.db !== undefined || flags.durability !== undefined)) throw new InvalidArgumentError('--memory keeps nothing on disk: drop --db and --durability');
  return mergeConfig(file ? readConfigFile(file) : {}, configFromEnv(ctx.env), fromFlags);
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
    .option('--config <file>', 'a JSON config file (default $HERALD_CONFIG); flags and environment override it')
    .option('--memory', 'keep the log in memory (nothing survives a restart; for demos and tests)')
    .option('--port <port>', 'TCP port (default $HERALD_PORT, else 8080; 0 picks a free one)', int('--port', 0))
    .option('--host <address>', 'address to listen on (default $HERALD_HOST, else 127.0.0.1)')
    .option('--dev', 'run WITHOUT AUTHENTICATION (local development only)')
    .option('--admin-key-file <path>', 'where the first admin key is written when there is none (default: admin.key beside the database)')
    .option('--tls-cert <path>', 'serve HTTPS with this certificate (PEM); needs --tls-key')
    .option('--tls-key <path>', 'the certificate\'s private key (PEM)')
    .option('--body-limit <bytes>', 'largest request body (default 1 MiB)', int('--body-limit', 1024))
    .option('--rate <requests>', 'requests per second per key, bursts of twice that (default 2000; 0: no limit)', int('--rate', 0))
    .option('--durability <mode>', 'fsync (default): an answered publish is on disk; os: survives a process crash only')
    .option('--allow-origin <origin>', 'a browser origin allowed to call (repeat; default: any)', (v: string, prev: string[]) => [...prev, v], [])
    .option('--jwt-secret-file <path>', 'also accept HS256 JWTs signed with the secret in this file, >= 32 bytes (default $HERALD_JWT_SECRET_FILE)')
    .option('--jwt-public-key <path>', 'also accept EdDSA JWTs verified with this Ed25519 public key, PEM or JWK (default $HERALD_JWT_PUBLIC_KEY)')
    .option('--jwt-issuer <iss>', 'JWTs must have this iss (default $HERALD_JWT_ISSUER)')
    .option('--jwt-audience <aud>', 'JWTs must have this aud (default $HERALD_JWT_AUDIENCE)')
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
      const config = serveConfig(program, ctx, flags);
      const jwt = loadJwtOptions(config.jwt ?? {});
      const webhooks = config.webhooks ? loadWebhooks(config.webhooks) : undefined;
      const { backend } = config;
      let log: EventLog;
      if (ctx.deps.openLog && backend.kind === 'sqlite') log = await ctx.deps.openLog({ path: backend.path ?? DEFAULT_DB, create: true });
      else log = await openBackend(backend);
      const server = await startServer({
        log, ownsLog: true, host: config.host, port: config.port, dev: flags.dev ?? false,
        logger: { level: ctx.env.HERALD_LOG_LEVEL ?? 'info', stream: ctx.io.stdout },
        limits: {
          ...(config.bodyLimit ? { bodyLimit: config.bodyLimit } : {}),
          ...(config.rate !== undefined ? { rate: config.rate === 0 ? false : { perSecond: config.rate, burst: config.rate * 2 } } : {}),
        },
        ...(config.allowOrigins && config.allowOrigins.length > 0 ? { allowedOrigins: config.allowOrigins } : {}),
        ...(config.tls ? { https: { cert: readFileSync(config.tls.cert), key: readFileSync(config.tls.key) } } : {}),
        ...(jwt ? { jwt } : {}),
        ...(webhooks ? { webhooks } : {}),
      }).catch(async (error: unknown) => {
        await log.close();
        throw error;
      });
      if (flags.dev) ctx.err(DEV_WARNING);
      else if (server.keys!.size === 0) {
        const file = resolve(config.adminKeyFile ?? join(dirname(resolve(backend.kind === 'sqlite' ? backend.path ?? DEFAULT_DB : DEFAULT_DB)), 'admin.key'));
        const { key, info } = await server.keys!.create({ tenant: 'default', permissions: ['*:>'], name: 'first admin key' });
        mkdirSync(dirname(file), { recursive: true });
        writeFileSync(file, `${key}\n`, { mode: 0o600 });
        ctx.err(`created the first admin key (${info.id}, tenant "default", every permission); it is in ${file}${existsSync(file) ? '' : ' (not written!)'}`);
      }
      ctx.err(`herald listening on ${server.url} (${describeBackend(backend)}${flags.dev ? ', NO AUTHENTICATION' : ''}); API at ${server.url}/openapi.json`);
      await ctx.deps.onServing?.(server, log);
      const why = await stopSignal(ctx);
      ctx.err(`${why}: draining and closing`);
      await server.close();
      ctx.err('herald stopped');
    });
}
