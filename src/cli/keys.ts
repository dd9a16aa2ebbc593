import { InvalidArgumentError, type Command } from 'commander';
import { KeyStore } from '../security/key-store.js';
import type { Ctx } from './context.js';
import { json, table } from './output.js';

/**
 * `herald keys`: API keys of a server's database, for bootstrapping and for operators on the
 * server's machine (a running server picks changes up within a second). The same as the
 * admin API's /v1/keys, across tenants.
 */
export function registerKeys(program: Command, ctx: Ctx): void {
  const keys = program.command('keys').description('create, list and revoke the API keys of a herald server');
  keys.command('create')
    .description('create a key; prints it once (only its hash is stored)')
    .requiredOption('--tenant <name>', 'the tenant (namespace) the key belongs to')
    .requiredOption('--allow <permission>', 'actions:pattern, e.g. "publish:orders.>", "read,subscribe:orders", "*:>" (repeat)', (v: string, prev: string[] = []) => [...prev, v])
    .option('--name <name>', 'a label shown in listings')
    .option('--expires <time>', 'RFC 3339 time after which the key stops working')
    .option('--json', 'print {key, info} as JSON')
    .addHelpText('after', `
Examples:
  $ herald keys create --tenant acme --allow '*:>' --name acme-admin
  $ herald keys create --tenant acme --allow 'publish:orders.>' --allow 'read:orders.>'`)
    .action(async (flags: { tenant: string; allow: string[]; name?: string; expires?: string; json?: boolean }) => {
      const expiresAt = flags.expires === undefined ? undefined : new Date(flags.expires);
      if (expiresAt && !Number.isFinite(expiresAt.getTime())) throw new InvalidArgumentError('--expires must be an RFC 3339 time');
      const created = await ctx.withLog(true, async (log) => {
        const store = await KeyStore.open(log, { pollMs: 0 });
        try {
          return await store.create({ tenant: flags.tenant, permissions: flags.allow, ...(flags.name ? { name: flags.name } : {}), ...(expiresAt ? { expiresAt } : {}) });
        } finally {
          await store.close();
        }
      });
      if (flags.json) return ctx.out(json(created));
      ctx.out(created.key);
      ctx.err(`key ${created.info.id} for tenant ${created.info.tenant}: ${created.info.permissions.join(' ')} (shown once: store it now)`);
    });
  keys.command('list')
    .description('list keys (never their secrets)')
    .option('--tenant <name>', 'only this tenant')
    .option('--json', 'print JSON')
    .action(async (flags: { tenant?: string; json?: boolean }) => {
      const list = await ctx.withLog(false, async (log) => {
        const store = await KeyStore.open(log, { pollMs: 0 });
        await store.close();
        return store.list(flags.tenant);
      });
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
      const info = await ctx.withLog(false, async (log) => {
        const store = await KeyStore.open(log, { pollMs: 0 });
        try {
          return await store.revoke(id);
        } finally {
          await store.close();
        }
      });
      ctx.out(`revoked ${info.id} (tenant ${info.tenant})`);
    });
}
