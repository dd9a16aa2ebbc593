import type { Command } from 'commander';
import type { Ctx } from './context.js';
import { formatRetention, json, table } from './output.js';

export function registerTopics(program: Command, ctx: Ctx): void {
  program.command('topics')
    .description('list the topics: last position, first stored position, event count, retention')
    .option('--json', 'print a JSON array of {topic, head, first, count, retention}')
    .addHelpText('after', `
Dead-letter topics (<topic>.dlq.<group>) are listed too.

Examples:
  $ herald topics
  $ herald topics --json | jq '.[] | select(.count > 0) | .topic'`)
    .action(async (flags: { json?: boolean }) => {
      const topics = await ctx.withLog(false, (log) => log.topics());
      if (flags.json) return ctx.out(json(topics));
      if (topics.length === 0) return ctx.out('no topics');
      ctx.out(table(['TOPIC', 'HEAD', 'FIRST', 'COUNT', 'RETENTION'],
        topics.map((t) => [t.topic, t.head, t.first, t.count, formatRetention(t.retention)])));
    });
}
