import { readFileSync } from 'node:fs';
import { InvalidArgumentError, type Command } from 'commander';
import { Http } from '../client/http.js';
import { HeraldError } from '../core/errors.js';
import { MemoryLog } from '../log/memory/index.js';
import { assertCompatibilityMode, type CompatibilityMode } from '../schema/compatibility.js';
import { SchemaStore, type CheckResult, type SchemaRegistry, type SchemaVersion } from '../schema/registry.js';
import type { Ctx } from './context.js';
import { json, table } from './output.js';

/** The registry file format: what `herald schema list --json` prints. */
interface RegistryFile { types: { type: string; compatibility: CompatibilityMode; versions: SchemaVersion[] }[] }

function readJson(path: string, what: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as unknown;
  } catch (cause) {
    throw new HeraldError('HERALD_E_INVALID_ARGUMENT', `cannot read ${what} ${path}: ${(cause as Error).message}`, { details: { field: what }, cause });
  }
}

function mode(value: string): CompatibilityMode {
  try {
    assertCompatibilityMode(value, '--compatibility');
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
  return value;
}

function positive(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('--version must be a positive integer');
  return n;
}

/** What `schema register` and `schema check` both take: a type, a schema file, a version and a mode. */
interface SchemaInputFlags { file: string; version?: number; compatibility?: CompatibilityMode }

function schemaInput(command: Command, help: { description: string; type: string; version: string; compatibility: string }): Command {
  return command.description(help.description)
    .argument('<type>', help.type)
    .requiredOption('--file <path>', 'the JSON Schema file')
    .option('--version <n>', help.version, positive)
    .option('--compatibility <mode>', help.compatibility, mode);
}

/** The request body (and registry options) of those flags: the schema read from --file, and the version and mode when given. */
function schemaBody(flags: SchemaInputFlags): { schema: unknown; version?: number; compatibility?: CompatibilityMode } {
  return { schema: readJson(flags.file, '--file'), ...(flags.version ? { version: flags.version } : {}), ...(flags.compatibility ? { compatibility: flags.compatibility } : {}) };
}

/** A registry loaded from a registry file (read-only, in memory). */
async function fromFile(path: string): Promise<{ registry: SchemaRegistry; close: () => Promise<void> }> {
  const file = readJson(path, '--registry') as Partial<RegistryFile>;
  if (!Array.isArray(file.types)) throw new HeraldError('HERALD_E_INVALID_ARGUMENT', `${path} is not a registry file (the output of \`herald schema list --json\`)`, { details: { field: '--registry' } });
  const store = await SchemaStore.open(new MemoryLog(), { pollMs: 0 });
  const registry = store.registry();
  for (const subject of file.types) {
    for (const v of subject.versions) await registry.register(subject.type, v.schema, { version: v.version, compatibility: 'NONE', ...(v.pii ? { pii: v.pii } : {}) });
    await registry.setCompatibility(subject.type, subject.compatibility);
  }
  return { registry, close: () => store.close() };
}

/** Runs `work` on the registry of --registry, --url or --db. */
async function withRegistry<R>(ctx: Ctx, registryFile: string | undefined, work: (registry: SchemaRegistry) => Promise<R>): Promise<R> {
  if (registryFile !== undefined) {
    const { registry, close } = await fromFile(registryFile);
    try { return await work(registry); } finally { await close(); }
  }
  return ctx.withLog(false, async (log) => {
    const store = await SchemaStore.open(log, { pollMs: 0 });
    try { return await work(store.registry()); } finally { await store.close(); }
  });
}

function remote(ctx: Ctx): Http | undefined {
  const target = ctx.target();
  return target.kind === 'remote' ? new Http(target.url, target.key, 30_000) : undefined;
}

function printCheck(ctx: Ctx, type: string, result: CheckResult): void {
  if (result.compatible) {
    ctx.out(result.alreadyRegistered ? `${type} v${result.version}: already registered (identical)` : `${type} v${result.version}: compatible (${result.mode})`);
    return;
  }
  ctx.out(`${type} v${result.version}: NOT ${result.mode} compatible`);
  for (const reason of result.reasons) ctx.out(`  - ${reason}`);
  ctx.exitCode = 1;
}

/** `herald schema register|check|list`: the schema registry of a database, a server (--url), or a registry file (check). */
export function registerSchema(program: Command, ctx: Ctx): void {
  const schema = program.command('schema').description('register, check and list event schemas (JSON Schema) and their compatibility modes');
  schemaInput(schema.command('register'), {
    description: 'register a JSON Schema as the next version of an event type; refused with a reason per breaking change when it breaks the type\'s compatibility mode',
    type: 'the event type, e.g. order.placed',
    version: 'the version (default: latest + 1)',
    compatibility: 'set the type\'s mode first: BACKWARD (default), FORWARD, FULL, their _TRANSITIVE forms, NONE',
  })
    .option('--owner <team>', 'who owns the event type (shown in the catalog)')
    .option('--description <text>', 'what the event means')
    .option('--json', 'print the registered version as JSON')
    .action(async (type: string, flags: SchemaInputFlags & { owner?: string; description?: string; json?: boolean }) => {
      const body = { ...schemaBody(flags), ...(flags.owner ? { owner: flags.owner } : {}), ...(flags.description ? { description: flags.description } : {}) };
      const http = remote(ctx);
      const result = http
        ? await http.request<{ version: SchemaVersion; created: boolean }>('POST', `/v1/schemas/${encodeURIComponent(type)}`, { body })
        : await withRegistry(ctx, undefined, (r) => r.register(type, body.schema, body));
      if (flags.json) return ctx.out(json(result));
      ctx.out(`${type} v${result.version.version} ${result.created ? 'registered' : 'was already registered'} (${result.version.fingerprint.slice(0, 12)})`);
    });
  schemaInput(schema.command('check'), {
    description: 'would this schema be accepted as the next version? Exit code 1 when not, with a reason per breaking change (for CI)',
    type: 'the event type',
    version: 'the version it would get (default: latest + 1)',
    compatibility: 'check under this mode instead of the type\'s',
  })
    .option('--registry <file>', 'check against a registry file (`herald schema list --json`) instead of a database or server')
    .option('--json', 'print the result as JSON')
    .addHelpText('after', `
Examples:
  $ herald --url https://herald.internal:8080 schema check order.placed --file schemas/order.placed.json
  $ herald schema check order.placed --file order.placed.json --registry registry.json`)
    .action(async (type: string, flags: SchemaInputFlags & { registry?: string; json?: boolean }) => {
      const body = schemaBody(flags);
      const http = flags.registry === undefined ? remote(ctx) : undefined;
      const result = http
        ? await http.request<CheckResult>('POST', `/v1/schemas/${encodeURIComponent(type)}/check`, { body })
        : await withRegistry(ctx, flags.registry, async (r) => r.check(type, body.schema, body));
      if (flags.json) {
        ctx.out(json(result));
        if (!result.compatible) ctx.exitCode = 1;
        return;
      }
      printCheck(ctx, type, result);
    });
  schema.command('list')
    .description('list event types with registered schemas, or one type\'s versions')
    .argument('[type]', 'only this type')
    .option('--json', 'print every version with its schema: the registry file format `schema check --registry` reads')
    .action(async (type: string | undefined, flags: { json?: boolean }) => {
      const http = remote(ctx);
      const file: RegistryFile = http
        ? { types: await Promise.all((await http.request<{ types: { type: string }[] }>('GET', '/v1/schemas')).types.filter((t) => type === undefined || t.type === type)
          .map((t) => http.request<RegistryFile['types'][number]>('GET', `/v1/schemas/${encodeURIComponent(t.type)}`))) }
        : await withRegistry(ctx, undefined, async (r) => ({ types: r.types().filter((t) => type === undefined || t.type === type).map((t) => ({ type: t.type, compatibility: t.compatibility, versions: r.versions(t.type) })) }));
      if (flags.json) return ctx.out(json(file));
      if (file.types.length === 0) return ctx.out(type === undefined ? 'no schemas' : `no schema for ${type}`);
      ctx.out(table(['TYPE', 'VERSIONS', 'LATEST', 'COMPATIBILITY', 'OWNER'], file.types.map((t) => [
        t.type, t.versions.map((v) => v.version).join(','), t.versions.at(-1)?.version ?? '', t.compatibility, t.versions.map((v) => v.owner).filter(Boolean).at(-1) ?? '',
      ])));
    });
}
