import { readFile } from 'node:fs/promises';
import { Option, type Command } from 'commander';
import { createEvent, describeIssues, envelopeIssues, type CloudEvent, type EventInput } from '../core/envelope.js';
import { HeraldError } from '../core/errors.js';
import { parseTopic } from './args.js';
import type { Ctx } from './context.js';
import { clean, json } from './output.js';

interface PublishFlags { type?: string; data?: string; file?: string; key?: string; id?: string; source: string; json?: boolean }

export const CLI_SOURCE = 'urn:herald:cli';

function invalid(where: string, message: string, field: string): HeraldError {
  return new HeraldError('HERALD_E_INVALID_EVENT', `${where}${message}`, { details: { field } });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseJson(text: string, where: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw invalid(where, `${what} is not valid JSON (${(error as Error).message})`, 'data');
  }
}

/** A whole CloudEvent (or a `tail --json` line) is published as is; anything else is the data of a --type event. */
function toEvent(value: unknown, flags: PublishFlags, where: string): CloudEvent {
  const candidate = isObject(value) && isObject(value.event) && 'position' in value && 'specversion' in value.event ? value.event : value;
  if (isObject(candidate) && 'specversion' in candidate) {
    const issues = envelopeIssues(candidate);
    if (issues.length > 0) throw new HeraldError('HERALD_E_INVALID_EVENT', `${where}invalid event: ${describeIssues(issues)}`, { details: { issues } });
    return candidate as CloudEvent;
  }
  if (flags.type === undefined) throw invalid(where, 'type: pass --type <type> (or give a whole CloudEvent with specversion, id, source and type)', 'type');
  const input: EventInput = { type: flags.type, source: flags.source };
  if (value !== undefined) input.data = value;
  if (flags.key !== undefined) input.key = flags.key;
  if (flags.id !== undefined) input.id = flags.id;
  try {
    return createEvent(input);
  } catch (error) {
    if (error instanceof HeraldError && where) throw new HeraldError(error.code, `${where}${error.message}`, { details: error.details });
    throw error;
  }
}

async function readAll(input: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  input.setEncoding('utf8');
  for await (const chunk of input) text += String(chunk);
  return text;
}

async function readSource(flags: PublishFlags, ctx: Ctx): Promise<{ text: string; name: string } | undefined> {
  const stdin = ctx.io.stdin;
  if (flags.file === '-' || (flags.file === undefined && stdin && !stdin.isTTY)) {
    if (!stdin) throw new HeraldError('HERALD_E_INVALID_ARGUMENT', 'no standard input to read', { details: { field: 'file' } });
    return { text: await readAll(stdin), name: 'standard input' };
  }
  if (flags.file === undefined) return undefined;
  try {
    return { text: await readFile(flags.file, 'utf8'), name: flags.file };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new HeraldError(code === 'ENOENT' ? 'HERALD_E_NOT_FOUND' : 'HERALD_E_INVALID_ARGUMENT', `--file ${flags.file}: ${code === 'ENOENT' ? 'no such file' : (error as Error).message}`, { details: { field: 'file' } });
  }
}

/** Every event to publish, all validated before anything is appended. */
async function collectEvents(flags: PublishFlags, ctx: Ctx, command: Command): Promise<CloudEvent[]> {
  if (flags.data !== undefined) return [toEvent(parseJson(flags.data, '', '--data'), flags, '')];
  const source = await readSource(flags, ctx);
  if (source === undefined) return [toEvent(undefined, flags, '')];
  const lines = source.text.split(/\r?\n/).map((text, i) => ({ n: i + 1, text })).filter((l) => l.text.trim() !== '');
  if (lines.length === 0) {
    if (flags.file === undefined && flags.type !== undefined) return [toEvent(undefined, flags, '')];
    throw invalid('', `nothing to publish: ${source.name} has no lines`, 'data');
  }
  if (lines.length > 1 && flags.id !== undefined) command.error('error: --id names a single event; put an "id" in each line instead', { exitCode: 2 });
  return lines.map(({ n, text }) => toEvent(parseJson(text, `line ${n}: `, 'the line'), flags, `line ${n}: `));
}

export function registerPublish(program: Command, ctx: Ctx): void {
  program.command('publish')
    .description('publish one event, or one per line of NDJSON from --file or standard input (all or nothing)')
    .argument('<topic>', 'the topic to publish to', parseTopic)
    .option('-t, --type <type>', 'event type (needed unless each line is a whole CloudEvent)')
    .addOption(new Option('-d, --data <json>', 'the event data, as JSON').conflicts('file'))
    .addOption(new Option('--file <path>', 'NDJSON file, one event per line (- for standard input)').conflicts('id'))
    .option('-k, --key <key>', 'ordering key (partitionkey)')
    .option('--id <id>', 'event id (default: a new UUIDv7); publishing the same id twice stores it once')
    .option('--source <uri>', 'CloudEvents source', CLI_SOURCE)
    .option('--json', 'print receipts as NDJSON')
    .addHelpText('after', `
A line is either a whole CloudEvent (it has "specversion"; published as is, flags ignored) or the
data of an event of --type. Lines are validated first: one bad line and nothing is appended.
Without --data or --file, lines are read from standard input when it is not a terminal.

Receipts: <topic>#<position>  id=<id>, marked "duplicate" when the id was already stored.

Examples:
  $ herald publish orders --type order.placed --key o-1 --data '{"orderId":"o-1","total":42}'
  $ herald publish orders --type order.placed --file orders.ndjson
  $ herald tail orders --json | herald publish orders-copy`)
    .action(async (topic: string, flags: PublishFlags, command: Command) => {
      const events = await collectEvents(flags, ctx, command);
      const receipts = await ctx.withLog(true, (log) => log.append(topic, events));
      for (const r of receipts) {
        ctx.out(flags.json ? json(r) : clean(`${topic}#${r.position}  id=${r.id}${r.duplicate ? '  duplicate (already stored, nothing written)' : ''}`));
      }
    });
}
