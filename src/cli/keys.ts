import { InvalidArgumentError, type Command } from 'commander';
import { RemoteKeys } from '../client/keys.js';
import { KeyStore, type KeyInfo } from '../security/key-store.js';
import type { Ctx } from './context.js';
import { json, table } from './output.js';

interface KeyAdmin {
  create(options: { tenant?: string; permissions: string[]; name?: string; expiresAt?: Date }): Promise<{ key: string; info: KeyInfo }>;
  list(tenant?: string): Promise<KeyInfo[]>;
  revoke(id: string): Promise<KeyInfo>;
}

/**
 * The keys of the embedded database (any tenant), or with --url those of the caller's tenant
 * through the admin API (a tenant's admin never sees or makes another tenant's keys).
 */
async function withKeys<R>(ctx: Ctx, create: boolean, work: (admin: KeyAdmin) => Promise<R>): Promise<R> {
  const target = ctx.target();
  if (target.kind === 'remote') {
    const remote = new RemoteKeys({ url: target.url, ...(target.key === undefined ? {} : { key: target.key }) });
    return work({
      create: ({ tenant, ...rest }) => {
        if (tenant !== undefined) throw new InvalidArgumentError('--tenant is not used with --url: keys are made in the tenant of the key you call with');
        return remote.create(rest);
      },
      list: (tenant) => {
        if (tenant !== undefined) throw new InvalidArgumentError('--tenant is not used with --url: you see the keys of your own tenant');
        return remote.list();
      },
      revoke: (id) => remote.revoke(id),
    });
  }
  return ctx.withLog(create, async (log) => {
    const store = await KeyStore.open(log, { pollMs: 0 });
    try {
      return await work({
        create: ({ tenant, ...rest }) => {
          if (tenant === undefined) throw new InvalidArgumentError('--tenant is required for a local database');
          return store.create({ tenant, ...rest });
        },
        list: (tenant) => Promise.resolve(store.list(tenant)),
        revoke: (id) => store.revoke(id),
      });
    } finally {
      await store.close();
    }
  });
}

/**
 * `herald keys`: API keys of a server's database, for bootstrapping and for operators on the
 * server's machine (a running server picks changes up within a second). The same as the
 * admin API's /v1/keys, across tenants.
 */
export function registerKeys(program: Command, ctx: Ctx): void {
  const keys = program.command('keys').description('create, list and revoke the API keys of a herald server');
  keys.command('create')
    .description('create a key; prints it once (only its hash is stored)')
    .option('--tenant <name>', 'the tenant (namespace) the key belongs to (local database only; with --url, your own)')
    .requiredOption('--allow <permission>', 'actions:pattern, e.g. "publish:orders.>", "read,subscribe:orders", "*:>" (repeat)', (v: string, prev: string[] = []) => [...prev, v])
    .option('--name <name>', 'a label shown in listings')
    .option('--expires <time>', 'RFC 3339 time after which the key stops working')
    .option('--json', 'print {key, info} as JSON')
    .addHelpText('after', `
Examples:
  $ herald keys create --tenant acme --allow '*:>' --name acme-admin
  $ herald keys create --tenant acme --allow 'publish:orders.>' --allow 'read:orders.>'`)
    .action(async (flags: { tenant?: string; allow: string[]; name?: string; expires?: string; json?: boolean }) => {
      const expiresAt = flags.expires === undefined ? undefined : new Date(flags.expires);
      if (expiresAt && !Number.isFinite(expiresAt.getTime())) throw new InvalidArgumentError('--expires must be an RFC 3339 time');
      const created = await withKeys(ctx, true, (admin) =>
        admin.create({ ...(flags.tenant === undefined ? {} : { tenant: flags.tenant }), permissions: flags.allow, ...(flags.name ? { name: flags.name } : {}), ...(expiresAt ? { expiresAt } : {}) }));
      if (flags.json) return ctx.out(json(created));
      ctx.out(created.key);
      ctx.err(`key ${created.info.id} for tenant ${created.info.tenant}: ${created.info.permissions.join(' ')} (shown once: store it now)`);
    });
  keys.command('list')
    .description('list keys (never their secrets)')
    .option('--tenant <name>', 'only this tenant')
    .option('--json', 'print JSON')
    .action(async (flags: { tenant?: string; json?: boolean }) => {
      const list = await withKeys(ctx, false, (admin) => admin.list(flags.tenant));
      if (flags.json) return ctx.out(json(list));
      if (list.length === 0) return ctx.out('no keys');
      ctx.out(table(['ID', 'TENANT', 'NAME', 'PERMISSIONS', 'CREATED', 'STATE'], list.map((k) => [
        k.id, k.tenant, k.name ?? '', k.permissions.join(' '), k.createdAt,
        k.revokedAt ? `revoked ${k.revokedAt}` : k.expiresAt ? `expires ${k.expiresAt}` : 'active',
      ])));
    });
  keys.command('revoke')
    .description('revoke a key by id: its requests fail and its streams close')
    .argument('<id>', 'the key id (hk_<id>_...)')
    .action(async (id: string) => {
      const info = await withKeys(ctx, false, (admin) => admin.revoke(id));
      ctx.out(`revoked ${info.id} (tenant ${info.tenant})`);
    });
}
