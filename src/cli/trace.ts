import type { Command } from 'commander';
import { Http } from '../client/http.js';
import { HeraldError } from '../core/errors.js';
import { renderFlow, traceFlow, type Flow } from '../observability/index.js';
import { collectTypes, parseTopic } from './args.js';
import type { Ctx } from './context.js';
import { clean, json } from './output.js';

/** `--topics a,b` (repeatable): each a valid topic name. */
function parseTopics(value: string, previous: string[] = []): string[] {
  return collectTypes(value, previous).map(parseTopic);
}

/** The flow, from the embedded database or, with --url, from the server's lineage route (which reads only what the key may read). */
async function flowOf(ctx: Ctx, correlationId: string, topics: string[] | undefined): Promise<Flow> {
  const target = ctx.target();
  if (target.kind === 'remote') {
    const http = new Http(target.url, target.key, 30_000);
    return http.request<Flow>('GET', `/v1/lineage/${encodeURIComponent(correlationId)}`, { query: { topics: topics?.join(',') } });
  }
  return ctx.withLog(false, (log) => traceFlow(log, topics, correlationId));
}

/** `herald trace <correlation-id>`: "what happened to order 123?" as a causal tree with timings. */
export function registerTrace(program: Command, ctx: Ctx): void {
  program.command('trace')
    .description('show one flow (every event sharing a correlation id) as a causal tree, with what each consumer group did and when')
    .argument('<correlation-id>', 'the flow\'s correlation id: the id of the event that started it, unless the producer chose one')
    .option('--topics <list>', 'look only in these topics, comma-separated (default: every topic but herald\'s own)', parseTopics)
    .option('--json', 'print the flow as JSON: { correlationId, durationMs, events, attempts, roots: [{ topic, position, event, handlings, children }] }')
    .addHelpText('after', `
Each line is an event (type, topic#position, time since the flow began); under it, what each
consumer group did: ✓ handled, … will be retried, ✗ dead-lettered, with every attempt's time.
Attempts are shown when the handlers record them (openHerald({ observability: { outcomes: true } }));
dead letters are always shown.

Examples:
  $ herald trace 0190b3c4-5d6e-7f80-9a1b-2c3d4e5f6a7b
  $ herald trace 0190b3c4-5d6e-7f80-9a1b-2c3d4e5f6a7b --topics orders,payments --json`)
    .action(async (correlationId: string, flags: { topics?: string[]; json?: boolean }) => {
      const flow = await flowOf(ctx, correlationId, flags.topics);
      if (flow.events === 0) throw new HeraldError('HERALD_E_NOT_FOUND', `no events with correlation id ${correlationId}`, { details: { field: 'correlation-id' } });
      if (flags.json) return ctx.out(json(flow));
      for (const line of renderFlow(flow)) ctx.out(clean(line));
    });
}
