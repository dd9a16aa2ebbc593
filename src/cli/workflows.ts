import type { Command } from 'commander';
import { HeraldError, invalidArgument } from '../core/errors.js';
import type { EventLog } from '../log/types.js';
import { hasStreams, type StreamStore } from '../log/streams.js';
import { cancelInstance, inspectInstance, listInstances, retryInstance, signalInstance, type InstanceStatus } from '../workflow/index.js';
import type { Ctx } from './context.js';
import { json, table } from './output.js';

function streamsOf(log: EventLog): StreamStore {
  if (!hasStreams(log)) throw new HeraldError('HERALD_E_UNSUPPORTED', `the ${log.backend} backend keeps no streams, where workflow histories live (sqlite, memory)`);
  return log.streams;
}

const time = (ms: number | undefined): string => (ms === undefined ? '-' : new Date(ms).toISOString());

/** `herald workflows`: list, inspect, cancel, retry and signal instances (from the log: the runner acts on the requests). */
export function registerWorkflows(program: Command, ctx: Ctx): void {
  const wf = program.command('workflows').description('list, inspect, cancel, retry and signal workflow instances');
  wf.command('list', { isDefault: true })
    .description('workflow instances, newest first')
    .option('--workflow <name>', 'only this workflow')
    .option('--status <status>', 'running, completed, failed or cancelled')
    .option('--limit <n>', 'at most this many (default 100)')
    .option('--json', 'print JSON')
    .action(async (flags: { workflow?: string; status?: string; limit?: string; json?: boolean }) => {
      if (flags.status !== undefined && !['running', 'completed', 'failed', 'cancelled'].includes(flags.status)) throw invalidArgument('--status must be running, completed, failed or cancelled', { field: '--status' });
      const limit = flags.limit === undefined ? 100 : Number(flags.limit);
      const list = await ctx.withLog(false, (log) => listInstances(streamsOf(log), {
        ...(flags.workflow ? { workflow: flags.workflow } : {}), ...(flags.status ? { status: flags.status as InstanceStatus } : {}), limit,
      }));
      if (flags.json) return ctx.out(json(list));
      if (list.length === 0) return ctx.out('no workflow instances');
      ctx.out(table(['WORKFLOW', 'ID', 'VERSION', 'STATUS', 'STARTED', 'ENDED', 'ERROR'],
        list.map((i) => [i.workflow, i.id, i.version, i.status, time(i.startedAt), time(i.endedAt), i.error?.message ?? ''])));
    });
  wf.command('inspect')
    .description('an instance: its status and step history (attempts, outputs, errors, timings), timers, waits, signals')
    .argument('<workflow>').argument('<id>')
    .option('--json', 'print JSON')
    .action(async (workflow: string, id: string, flags: { json?: boolean }) => {
      const view = await ctx.withLog(false, (log) => inspectInstance(streamsOf(log), workflow, id));
      if (flags.json) return ctx.out(json(view, true));
      ctx.out(`${view.workflow} ${view.id} (version ${view.version}): ${view.status}${view.error ? ` — ${view.error.message}` : ''}`);
      ctx.out(table(['#', 'KIND', 'STEP', 'STATUS', 'ATTEMPTS', 'LAST'], view.steps.map((s) => {
        const last = s.attempts.at(-1);
        return [s.seq, s.kind, s.name, s.status, s.attempts.length, last?.error ? last.error.message : last?.ms === undefined ? '' : `${last.ms}ms`];
      })));
      for (const t of view.timers) ctx.out(`timer ${t.timer}: due ${time(t.dueAt)}${t.firedAt ? `, fired ${time(t.firedAt)}` : ''}`);
      for (const w of view.waits) ctx.out(`wait #${w.seq} for ${w.type} on ${w.topic}: ${w.receivedEventId ? `received ${w.receivedEventId}` : w.timedOut ? 'timed out' : 'waiting'}`);
    });
  wf.command('cancel').description('ask a running instance to stop (a saga compensates)').argument('<workflow>').argument('<id>')
    .option('--reason <text>', 'why')
    .action(async (workflow: string, id: string, flags: { reason?: string }) => {
      await ctx.withLog(false, (log) => cancelInstance(streamsOf(log), workflow, id, flags.reason));
      ctx.out(`cancel requested for ${workflow} ${id}`);
    });
  wf.command('retry').description('run a failed instance again from its failed step').argument('<workflow>').argument('<id>')
    .action(async (workflow: string, id: string) => {
      await ctx.withLog(false, (log) => retryInstance(streamsOf(log), workflow, id));
      ctx.out(`retry requested for ${workflow} ${id}`);
    });
  wf.command('signal').description('send a signal to a running instance').argument('<workflow>').argument('<id>').argument('<name>')
    .option('--payload <json>', 'the signal\'s JSON payload')
    .action(async (workflow: string, id: string, name: string, flags: { payload?: string }) => {
      let payload: unknown;
      try { payload = flags.payload === undefined ? undefined : JSON.parse(flags.payload); } catch { throw invalidArgument('--payload must be JSON', { field: '--payload' }); }
      await ctx.withLog(false, (log) => signalInstance(streamsOf(log), workflow, id, name, payload));
      ctx.out(`signal ${name} sent to ${workflow} ${id}`);
    });
}
