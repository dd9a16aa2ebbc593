import type { Command } from 'commander';
import { HeraldError } from '../core/errors.js';
import { discardDeadLetter, getDeadLetter, listDeadLetters, redriveDeadLetter, type DeadLetter } from '../log/dead-letters.js';
import { deadLetterTopic } from '../log/names.js';
import type { EventLog } from '../log/types.js';
import { parseGroup, parsePosition, parseTopic } from './args.js';
import type { Ctx } from './context.js';
import { clean, json, oneLine, table } from './output.js';

interface Pick { all?: boolean }

function showLetter(letter: DeadLetter): string {
  const c = letter.context;
  const lines = [
    `dead letter ${letter.dlqTopic}#${letter.dlqPosition}`,
    `  from:      ${c.topic}#${c.position} (group ${c.group})`,
    `  attempts:  ${c.attempts}`,
    `  failed at: ${c.failedAt}`,
  ];
  if (c.handler !== undefined) lines.push(`  handler:   ${c.handler}`);
  if (c.traceparent !== undefined) lines.push(`  trace:     ${c.traceparent}`);
  lines.push(`  error:     ${c.error.name ?? 'Error'}${c.error.code ? ` [${c.error.code}]` : ''}: ${c.error.message}`);
  if (c.error.stack) lines.push('  stack:', ...c.error.stack.split('\n').map((l) => `    ${l.trim()}`));
  return [...lines.map(clean), 'event:', JSON.stringify(letter.event, null, 2)].join('\n');
}

/** The DLQ positions a redrive or discard acts on: those given, or every one with --all. */
async function targets(log: EventLog, dlq: string, positions: number[], pick: Pick, command: Command): Promise<number[]> {
  if (pick.all === true && positions.length > 0) command.error('error: give positions or --all, not both', { exitCode: 2 });
  if (pick.all !== true && positions.length === 0) command.error('error: give the dead letter positions (see `herald dlq list`) or --all', { exitCode: 2 });
  if (!pick.all) return positions;
  const all: number[] = [];
  for await (const letter of listDeadLetters(log, dlq)) all.push(letter.dlqPosition);
  return all;
}

function positionsArg(value: string, previous: number[] = []): number[] {
  return [...previous, parsePosition(value)];
}

export function registerDlq(program: Command, ctx: Ctx): void {
  const dlq = program.command('dlq')
    .description('inspect, redrive or discard the dead letters of a consumer group (<topic>.dlq.<group>)')
    .addHelpText('after', `
Examples:
  $ herald dlq list orders billing
  $ herald dlq show orders billing 3
  $ herald dlq redrive orders billing 3      # hand event back to group billing only
  $ herald dlq discard orders billing --all`);

  dlq.command('list')
    .description('list dead letters: position in the DLQ, original position, attempts, error')
    .argument('<topic>', 'the topic the events came from', parseTopic)
    .argument('<group>', 'the consumer group that failed them', parseGroup)
    .option('-n, --limit <n>', 'at most n dead letters', parsePosition)
    .option('--json', 'print a JSON array of {dlqTopic, dlqPosition, event, context}')
    .action(async (topic: string, group: string, flags: { limit?: number; json?: boolean }) => {
      const letters: DeadLetter[] = [];
      await ctx.withLog(false, async (log) => {
        for await (const l of listDeadLetters(log, deadLetterTopic(topic, group), flags.limit)) letters.push(l);
      });
      if (flags.json) return ctx.out(json(letters));
      if (letters.length === 0) return ctx.out(`no dead letters for group ${group} on ${topic}`);
      ctx.out(table(['POS', 'FROM', 'ATTEMPTS', 'FAILED AT', 'TYPE', 'ID', 'ERROR'], letters.map((l) => [
        l.dlqPosition, `${l.context.topic}#${l.context.position}`, l.context.attempts, l.context.failedAt, l.event.type, l.event.id,
        oneLine(l.context.error.message).slice(0, 80),
      ])));
    });

  dlq.command('show')
    .description('show one dead letter: the full event and the failure (error, stack, attempts, handler)')
    .argument('<topic>', 'the topic the event came from', parseTopic)
    .argument('<group>', 'the consumer group that failed it', parseGroup)
    .argument('<position>', 'its position in the DLQ (POS in `herald dlq list`)', parsePosition)
    .option('--json', 'print {dlqTopic, dlqPosition, event, context} as JSON')
    .action(async (topic: string, group: string, position: number, flags: { json?: boolean }) => {
      const letter = await ctx.withLog(false, (log) => getDeadLetter(log, deadLetterTopic(topic, group), position));
      ctx.out(flags.json ? json(letter, true) : showLetter(letter));
    });

  positionsCommand(dlq, ctx, 'redrive', 'hand dead letters back to the group that failed them (only that group), then remove them from the DLQ',
    'the consumer group to redeliver to', async (log, dlqTopic, list, topic, group) => {
      for (const p of list) {
        const letter = await redriveDeadLetter(log, dlqTopic, p);
        ctx.out(clean(`redriven ${dlqTopic}#${p} → ${topic}#${letter.context.position} for group ${group} (id=${letter.event.id})`));
      }
      ctx.out(`${list.length} dead letter${list.length === 1 ? '' : 's'} redriven`);
    });

  positionsCommand(dlq, ctx, 'discard', 'delete dead letters for good', 'the consumer group', async (log, dlqTopic, list) => {
    const missing: number[] = [];
    for (const p of list) {
      if (await discardDeadLetter(log, dlqTopic, p)) ctx.out(`discarded ${dlqTopic}#${p}`);
      else missing.push(p);
    }
    ctx.out(`${list.length - missing.length} dead letter${list.length - missing.length === 1 ? '' : 's'} discarded`);
    if (missing.length > 0) throw new HeraldError('HERALD_E_NOT_FOUND', `no dead letter at ${missing.map((p) => `${dlqTopic}#${p}`).join(', ')}`);
  });
}

type PositionsAction = (log: EventLog, dlqTopic: string, positions: number[], topic: string, group: string) => Promise<void>;

/** A verb acting on chosen dead letters (`<topic> <group> [positions...] | --all`): redrive and discard. */
function positionsCommand(dlq: Command, ctx: Ctx, name: string, description: string, groupHelp: string, act: PositionsAction): void {
  dlq.command(name)
    .description(description)
    .argument('<topic>', 'the topic the events came from', parseTopic)
    .argument('<group>', groupHelp, parseGroup)
    .argument('[positions...]', 'DLQ positions (POS in `herald dlq list`)', positionsArg)
    .option('--all', 'every dead letter of the group')
    .action(async (topic: string, group: string, positions: number[] | undefined, pick: Pick, command: Command) => {
      const dlqTopic = deadLetterTopic(topic, group);
      await ctx.withLog(false, async (log) => act(log, dlqTopic, await targets(log, dlqTopic, positions ?? [], pick, command), topic, group));
    });
}
