import type { Command } from 'commander';
import { HeraldError } from '../core/errors.js';
import { toMillis, type Duration } from '../core/duration.js';
import { deleteTopic, type Retention } from '../log/types.js';
import { parseTopic } from './args.js';
import type { Ctx } from './context.js';
import { formatRetention, json, table } from './output.js';

export function registerTopics(program: Command, ctx: Ctx): void {
  const topics = program.command('topics').description('list, create and delete topics');
  topics.command('list', { isDefault: true })
    .description('list the topics: last position, first stored position, event count, retention (the default)')
    .option('--json', 'print a JSON array of {topic, head, first, count, retention}')
    .addHelpText('after', `
Dead-letter topics (<topic>.dlq.<group>) are listed too.

Examples:
  $ herald topics
  $ herald topics --json | jq '.[] | select(.count > 0) | .topic'`)
    .action(async (flags: { json?: boolean }) => {
      const list = await ctx.withLog(false, (log) => log.topics());
      if (flags.json) return ctx.out(json(list));
      if (list.length === 0) return ctx.out('no topics');
      ctx.out(table(['TOPIC', 'HEAD', 'FIRST', 'COUNT', 'RETENTION'],
        list.map((t) => [t.topic, t.head, t.first, t.count, formatRetention(t.retention)])));
    });
  topics.command('create')
    .description('create a topic with its retention (topics are also created by their first event); an existing topic gets the retention')
    .argument('<topic>', 'the topic', parseTopic)
    .option('--max-age <duration>', 'keep events this long, e.g. 7d, 12h')
    .option('--max-count <n>', 'keep at most this many events')
    .option('--json', 'print the topic as JSON')
    .addHelpText('after', `
herald topics are one ordered log each: there are no partitions to choose. Per-key order and
parallelism come from consumer groups (keys are handled in order, different keys at once).

Examples:
  $ herald topics create orders --max-age 30d
  $ herald topics create audit --max-count 1000000`)
    .action(async (topic: string, flags: { maxAge?: string; maxCount?: string; json?: boolean }) => {
      const retention: Retention = {};
      if (flags.maxAge !== undefined) retention.maxAgeMs = toMillis(flags.maxAge as Duration, '--max-age');
      if (flags.maxCount !== undefined) {
        const n = Number(flags.maxCount);
        if (!Number.isSafeInteger(n) || n < 1) throw new HeraldError('HERALD_E_INVALID_ARGUMENT', '--max-count must be a positive integer', { details: { field: '--max-count' } });
        retention.maxCount = n;
      }
      const info = await ctx.withLog(true, async (log) => {
        await log.setRetention(topic, retention);
        return (await log.topicInfo(topic)) ?? { topic, head: 0, first: 1, count: 0, retention };
      });
      if (flags.json) return ctx.out(json(info));
      ctx.out(`${topic}: retention ${formatRetention(info.retention)}`);
    });
  topics.command('delete')
    .description('delete a topic with its events, retention and consumer groups (not its dead-letter topics)')
    .argument('<topic>', 'the topic', parseTopic)
    .option('--yes', 'do it: without --yes nothing is deleted')
    .action(async (topic: string, flags: { yes?: boolean }) => {
      await ctx.withLog(false, async (log) => {
        const info = await log.topicInfo(topic);
        if (!info) throw new HeraldError('HERALD_E_NOT_FOUND', `no topic ${topic}`);
        if (!flags.yes) {
          ctx.err(`${topic} holds ${info.count} events; nothing deleted (add --yes to delete it)`);
          ctx.exitCode = 1;
          return;
        }
        await deleteTopic(log, topic);
        ctx.out(`deleted ${topic} (${info.count} events)`);
      });
    });
}
