import type { Command } from 'commander';
import { HeraldError } from '../core/errors.js';
import type { EventLog, ReadOptions, StartFrom } from '../log/types.js';
import { collectTypes, parseFrom, parsePosition, parseTopic } from './args.js';
import type { Ctx } from './context.js';
import { eventJson, formatEvent } from './output.js';

interface TailFlags { from?: StartFrom; follow?: boolean; type: string[]; limit?: number; json?: boolean }

/** How often --follow looks for events appended by other processes. */
export const FOLLOW_POLL_MS = 200;

/**
 * Waits `ms`, or less if the signal fires. Polling (not `onAppend`) because appends come from
 * other processes, and because `onAppend` creates the topic it listens to: a reader must not write.
 */
function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

async function tail(log: EventLog, topic: string, flags: TailFlags, ctx: Ctx): Promise<void> {
  const signal = flags.follow ? ctx.interruptible() : ctx.io.signal;
  const info = await log.topicInfo(topic);
  if (!info && !flags.follow) throw new HeraldError('HERALD_E_NOT_FOUND', `topic ${topic} does not exist`, { details: { field: 'topic' } });
  let from: StartFrom = flags.from ?? (flags.follow ? 'latest' : 'earliest');
  // Pin "latest" now: re-reading from "latest" on every poll would skip what arrived in between.
  if (from === 'latest') from = { position: (info?.head ?? 0) + 1 };
  const types = flags.type.length > 0 ? flags.type : undefined;
  const limit = flags.limit ?? Infinity;
  const maxData = ctx.io.stdout.isTTY ? 300 : undefined;
  let printed = 0;
  for (;;) {
    // With a type filter, reads yield nothing for skipped events: remember how far the scan went.
    const head = types ? (await log.topicInfo(topic))?.head : undefined;
    const options: ReadOptions = { from, ...(types ? { types } : {}), ...(Number.isFinite(limit) ? { limit: limit - printed } : {}) };
    for await (const stored of log.read(topic, options)) {
      ctx.out(flags.json ? eventJson(stored) : formatEvent(stored, maxData));
      from = { position: stored.position + 1 };
      printed++;
      if (signal?.aborted) break;
    }
    if (printed >= limit || !flags.follow || signal?.aborted) return;
    if (head !== undefined && (typeof from === 'string' || !('position' in from) || from.position <= head)) from = { position: head + 1 };
    await pause(FOLLOW_POLL_MS, signal);
    if (signal?.aborted) return;
  }
}

export function registerTail(program: Command, ctx: Ctx): void {
  program.command('tail')
    .description('print the events of a topic; with --follow, keep printing new ones until Ctrl-C')
    .argument('<topic>', 'the topic to read', parseTopic)
    .option('--from <where>', 'earliest | latest | <position> | <ISO time> | <age, e.g. 15m> (default: earliest; latest with --follow)', parseFrom)
    .option('-f, --follow', 'keep waiting for new events (also from other processes) until interrupted')
    .option('--type <type>', 'only events of this type (repeat, or comma-separate)', collectTypes, [])
    .option('-n, --limit <n>', 'stop after n events', parsePosition)
    .option('--json', 'print NDJSON lines: {"topic","position","appendedAt","event"}')
    .addHelpText('after', `
Human format: #<position>  <appended at>  <type>  key=<key>  id=<id>  <data as compact JSON>

Examples:
  $ herald tail orders
  $ herald tail orders --from 120 --type order.placed --type order.cancelled
  $ herald tail orders --from 2026-05-01T10:00:00Z --json | jq .event.data
  $ herald tail orders -f            # new events only; Ctrl-C to stop`)
    .action(async (topic: string, flags: TailFlags) => {
      await ctx.withLog(false, (log) => tail(log, topic, flags, ctx));
    });
}
