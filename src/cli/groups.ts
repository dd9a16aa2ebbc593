import type { Command } from 'commander';
import { HeraldError } from '../core/errors.js';
import type { StartFrom } from '../log/types.js';
import { describeStart, parseFrom, parseGroup, parseTopic } from './args.js';
import type { Ctx } from './context.js';
import { clean, json, table } from './output.js';

export function registerGroups(program: Command, ctx: Ctx): void {
  const groups = program.command('groups')
    .description('list consumer groups with their cursor, pending and lag; or reset one')
    .argument('[topic]', 'only the groups of this topic', parseTopic)
    .option('--json', 'print a JSON array of {topic, group, cursor, pending, lag}')
    .addHelpText('after', `
cursor: next position the group has not taken yet; pending: taken but not yet acked (leased,
waiting for a retry, or parked behind its key); lag: not yet acked, i.e. pending + after cursor.

Examples:
  $ herald groups
  $ herald groups orders --json
  $ herald groups reset orders billing --to 2026-05-01T00:00:00Z`)
    .action(async (topic: string | undefined, flags: { json?: boolean }) => {
      const list = await ctx.withLog(false, (log) => log.groups(topic));
      if (flags.json) return ctx.out(json(list));
      if (list.length === 0) return ctx.out(topic === undefined ? 'no consumer groups' : `no consumer groups on ${topic}`);
      ctx.out(table(['TOPIC', 'GROUP', 'CURSOR', 'PENDING', 'LAG'], list.map((g) => [g.topic, g.group, g.cursor, g.pending, g.lag])));
    });

  groups.command('reset')
    .description('move a consumer group to a position or time; its pending deliveries are dropped')
    .argument('<topic>', 'the topic', parseTopic)
    .argument('<group>', 'the consumer group (must exist)', parseGroup)
    .requiredOption('--to <where>', 'earliest | latest | <position> | <ISO time> | <age, e.g. 1h>', parseFrom)
    .option('--json', 'print the group after the reset as JSON')
    .addHelpText('after', `
Stop the group's consumers first: deliveries they hold are forgotten, and they would re-create
their leases against the old cursor. Events from the new cursor on are delivered again (or skipped).

Examples:
  $ herald groups reset orders billing --to earliest      # reprocess everything
  $ herald groups reset orders billing --to latest        # skip the backlog
  $ herald groups reset orders billing --to 1200
  $ herald groups reset orders billing --to 2h            # what arrived in the last two hours`)
    .action(async (topic: string, group: string, flags: { to: StartFrom; json?: boolean }) => {
      await ctx.withLog(false, async (log) => {
        const before = (await log.groups(topic)).find((g) => g.group === group);
        if (!before) throw new HeraldError('HERALD_E_NOT_FOUND', `no consumer group ${group} on topic ${topic}`, { details: { field: 'group' } });
        await log.resetGroup(topic, group, flags.to);
        const after = (await log.groups(topic)).find((g) => g.group === group);
        // Commander hands a --json after `reset` to the parent `groups`, which has one too.
        if (flags.json === true || groups.opts<{ json?: boolean }>().json === true) return ctx.out(json(after ?? null));
        ctx.out(clean(`group ${group} on ${topic} reset to ${describeStart(flags.to)}: cursor ${before.cursor} → ${after?.cursor ?? '?'}, lag ${before.lag} → ${after?.lag ?? '?'}`));
      });
    });
}
