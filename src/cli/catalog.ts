import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Command } from 'commander';
import { Http } from '../client/http.js';
import { HeraldError } from '../core/errors.js';
import { buildCatalog } from '../schema/catalog.js';
import { SchemaStore } from '../schema/registry.js';
import type { Ctx } from './context.js';
import { json } from './output.js';

/** Where `forget` finds the subject keys by default: `subject-keys.db` beside the database. */
export function defaultSubjectKeysPath(db: string): string {
  return join(dirname(db), 'subject-keys.db');
}

/** `herald catalog` (AsyncAPI 3.0 document) and `herald forget <subject>` (crypto-shredding). */
export function registerCatalog(program: Command, ctx: Ctx): void {
  program.command('catalog')
    .description('print the event catalog: an AsyncAPI 3.0 document of topics, event types and schemas, producers and consumer groups')
    .option('--out <file>', 'write it to a file instead of stdout')
    .option('--sample <n>', 'latest events read per topic to find producers (default 200)', (v) => Number(v))
    .action(async (flags: { out?: string; sample?: number }) => {
      const target = ctx.target();
      const document = target.kind === 'remote'
        ? await new Http(target.url, target.key, 30_000).request<unknown>('GET', '/v1/catalog')
        : await ctx.withLog(false, async (log) => {
          const store = await SchemaStore.open(log, { pollMs: 0 });
          try { return await buildCatalog(log, store.registry(), flags.sample ? { sampleSize: flags.sample } : {}); } finally { await store.close(); }
        });
      if (flags.out) {
        writeFileSync(flags.out, `${json(document)}\n`);
        ctx.err(`wrote ${flags.out}`);
      } else {
        ctx.out(json(document));
      }
    });
  program.command('forget')
    .description('delete a data subject\'s encryption key (crypto-shredding): every sensitive field of theirs becomes unreadable, for good; the log is not changed')
    .argument('<subject>', 'the data subject, e.g. a customer id')
    .option('--keys <path>', 'the subject key file (default: subject-keys.db beside --db)')
    .action(async (subject: string, flags: { keys?: string }) => {
      const target = ctx.target();
      if (target.kind === 'remote' && flags.keys === undefined) {
        throw new HeraldError('HERALD_E_UNSUPPORTED', 'forget works on the subject key file (--keys <path>), on the machine that holds it, not through --url');
      }
      const path = flags.keys ?? defaultSubjectKeysPath(target.kind === 'embedded' ? target.path : '.');
      // Loaded on use: the sqlite driver is an optional dependency that --url users may not have.
      const { openSqliteSubjectKeys } = await import('../backends/sqlite/subject-keys.js');
      const keys = openSqliteSubjectKeys(path);
      try {
        const forgotten = await keys.forget(subject);
        ctx.out(forgotten ? `forgot ${subject}: its key is deleted, its sensitive fields can no longer be read` : `no key for ${subject} (never encrypted, or already forgotten)`);
      } finally {
        await keys.close();
      }
    });
}
