import type { Command } from 'commander';
import type { CloudEvent } from '../core/envelope.js';
import { HeraldError } from '../core/errors.js';
import type { EventLog, StartFrom } from '../log/types.js';
import { collectTypes, parseFrom, parsePoint, parsePosition, parseTopic, type Point } from './args.js';
import type { Ctx } from './context.js';
import { clean, json } from './output.js';
import { startProgress } from './progress.js';

interface ReplayFlags { to: string; from: StartFrom; until?: Point; type: string[]; dryRun?: boolean; batch: number; json?: boolean }

async function firstAt(log: EventLog, topic: string, from: StartFrom): Promise<number | undefined> {
  for await (const stored of log.read(topic, { from, limit: 1 })) return stored.position;
  return undefined;
}

/** The positions [start, end] to replay, fixed when the replay starts; undefined when empty. */
async function range(log: EventLog, topic: string, flags: ReplayFlags): Promise<{ start: number; end: number } | undefined> {
  const info = await log.topicInfo(topic);
  if (!info) throw new HeraldError('HERALD_E_NOT_FOUND', `topic ${topic} does not exist`, { details: { field: 'topic' } });
  const start = await firstAt(log, topic, flags.from);
  if (start === undefined) return undefined;
  let end = info.head;
  if (flags.until && 'position' in flags.until) end = Math.min(end, flags.until.position);
  if (flags.until && 'time' in flags.until) {
    const after = await firstAt(log, topic, { time: flags.until.time + 1 });
    if (after !== undefined) end = Math.min(end, after - 1);
  }
  return start <= end ? { start, end } : undefined;
}

async function replay(log: EventLog, topic: string, flags: ReplayFlags, ctx: Ctx): Promise<void> {
  const span = await range(log, topic, flags);
  const summary = { topic, to: flags.to, start: span?.start, end: span?.end, matched: 0, appended: 0, duplicates: 0, dryRun: flags.dryRun === true, interrupted: false };
  let firstNew: number | undefined;
  let lastNew: number | undefined;
  if (span) {
    const signal = ctx.interruptible();
    const types = flags.type.length > 0 ? { types: flags.type } : {};
    const total = span.end - span.start + 1;
    const progress = startProgress({ out: ctx.io.stderr, label: `replay ${topic} → ${flags.to}`, total, intervalMs: ctx.deps.progressIntervalMs ?? 1000 });
    try {
      let next = span.start;
      while (next <= span.end) {
        if (signal?.aborted) { summary.interrupted = true; break; }
        // One page per read, appended before the next read: no write while a read is open.
        const page: CloudEvent[] = [];
        for await (const stored of log.read(topic, { from: { position: next }, limit: flags.batch, ...types })) {
          if (stored.position > span.end) break;
          page.push(stored.event);
          next = stored.position + 1;
        }
        if (page.length < flags.batch) next = span.end + 1;
        summary.matched += page.length;
        if (!flags.dryRun && page.length > 0) {
          for (const r of await log.append(flags.to, page)) {
            if (r.duplicate) { summary.duplicates++; continue; }
            summary.appended++;
            firstNew ??= r.position;
            lastNew = r.position;
          }
        }
        progress.update(Math.min(next, span.end + 1) - span.start, summary.matched);
      }
    } finally {
      progress.stop();
    }
  }
  if (summary.interrupted) ctx.exitCode = 130;
  if (flags.json) return ctx.out(json(summary));
  if (!span) return ctx.out(`nothing to replay: ${topic} has no events in that range`);
  const what = `${summary.matched} event${summary.matched === 1 ? '' : 's'} of ${topic} #${span.start}..#${span.end}`;
  const stopped = summary.interrupted ? ' (interrupted)' : '';
  if (flags.dryRun) return ctx.out(clean(`dry run: ${what} would be replayed into ${flags.to}${stopped}`));
  const where = firstNew === undefined ? '' : ` (#${firstNew}..#${lastNew})`;
  ctx.out(clean(`replayed ${what} into ${flags.to}${stopped}: ${summary.appended} appended${where}, ${summary.duplicates} already there`));
}

export function registerReplay(program: Command, ctx: Ctx): void {
  program.command('replay')
    .description('re-publish the events of a topic (or a range of it) into another topic')
    .argument('<topic>', 'the topic to read', parseTopic)
    .requiredOption('--to <topic>', 'the topic to publish into', parseTopic)
    .option('--from <where>', 'earliest | latest | <position> | <ISO time> | <age, e.g. 15m>', parseFrom, 'earliest')
    .option('--until <where>', 'last position to replay, or a time: events appended after it are left out (inclusive)', (v: string) => parsePoint(v))
    .option('--type <type>', 'only events of this type (repeat, or comma-separate)', collectTypes, [])
    .option('--dry-run', 'count what would be replayed; append nothing')
    .option('--batch <n>', 'events appended per transaction', parsePosition, 500)
    .option('--json', 'print the summary as JSON')
    .addHelpText('after', `
Replayed events are copied unchanged: same id, time, source, data. Appends are idempotent by
id, so running the same replay again adds nothing (events already in the target are counted as
"already there") as long as the earlier copies are still stored in the target topic.
The range is fixed when the replay starts; events appended later are not replayed.
Progress goes to stderr: a bar on a terminal, otherwise a plain line every second.

Examples:
  $ herald replay orders --to orders-rebuild
  $ herald replay orders --to audit --from 2026-05-01T00:00:00Z --until 2026-05-02T00:00:00Z
  $ herald replay orders --to retry --from 100 --until 250 --type order.placed --dry-run`)
    .action(async (topic: string, flags: ReplayFlags, command: Command) => {
      if (flags.to === topic) command.error('error: --to must name another topic', { exitCode: 2 });
      await ctx.withLog(false, (log) => replay(log, topic, flags, ctx));
    });
}
