import { HeraldError, invalidArgument } from '../../core/errors.js';
import type { EventLog } from '../../log/types.js';
import { hasStreams, type StreamStore } from '../../log/streams.js';
import { cancelInstance, inspectInstance, listInstances, retryInstance, signalInstance, type InstanceStatus } from '../../workflow/index.js';
import { jsonBody, limitQuery, single } from '../params.js';
import { paramsOf, queryOf, type RouteDef } from '../route.js';

const BASE = '/v1/workflows';
const STATUSES: readonly InstanceStatus[] = ['running', 'completed', 'failed', 'cancelled'];

function streamsOf(log: EventLog): StreamStore {
  if (!hasStreams(log)) throw new HeraldError('HERALD_E_UNSUPPORTED', `the ${log.backend} backend keeps no streams, where workflow histories live (sqlite, memory)`);
  return log.streams;
}

/**
 * Workflow instances over HTTP, from the log alone: the server runs no workflow code, so it lists
 * and inspects histories, and cancels, retries and signals by appending to an instance's stream;
 * the runner that drives the instance (the application) acts on it.
 */
export function workflowRoutes(): RouteDef[] {
  const read = { kind: 'tenant', action: 'read' } as const;
  const admin = { kind: 'tenant', action: 'admin' } as const;
  const instance = (req: Parameters<NonNullable<RouteDef['handler']>>[0]): { workflow: string; id: string } => {
    const p = paramsOf(req);
    return { workflow: p.workflow ?? '', id: p.id ?? '' };
  };
  return [
    {
      id: 'listWorkflowInstances', method: 'GET', url: `${BASE}/instances`, tag: 'workflows', permission: read,
      summary: 'Workflow instances, newest first.',
      query: {
        workflow: { description: 'only instances of this workflow' },
        status: { description: 'running, completed, failed or cancelled' },
        limit: { description: 'at most this many (1-1000, default 100)', type: 'integer' },
      },
      response: '{ instances: [{ workflow, id, version, status, startedAt, endedAt?, error? }] }',
      handler: async (req, _reply, ctx) => {
        const q = queryOf(req);
        const status = single(q, 'status');
        if (status !== undefined && !STATUSES.includes(status as InstanceStatus)) throw invalidArgument(`status must be one of ${STATUSES.join(', ')}`, { field: 'status' });
        const workflow = single(q, 'workflow');
        return { instances: await listInstances(streamsOf(ctx.log), { ...(workflow ? { workflow } : {}), ...(status ? { status: status as InstanceStatus } : {}), limit: limitQuery(q, 100, 1000) }) };
      },
    },
    {
      id: 'inspectWorkflowInstance', method: 'GET', url: `${BASE}/:workflow/instances/:id`, tag: 'workflows', permission: read,
      summary: 'One instance: status, input, output, and its step history (each attempt with its output or error and timings), timers, waits, signals, children.',
      response: 'the instance view', handler: async (req, _reply, ctx) => { const i = instance(req); return inspectInstance(streamsOf(ctx.log), i.workflow, i.id); },
    },
    {
      id: 'cancelWorkflowInstance', method: 'POST', url: `${BASE}/:workflow/instances/:id/cancel`, tag: 'workflows', permission: admin,
      summary: 'Ask a running instance to stop: its waits reject with HERALD_E_CANCELLED (a saga compensates).',
      body: { contentTypes: ['application/json'], description: '{ reason? }' }, response: '{ ok: true }', status: 202,
      handler: async (req, _reply, ctx) => {
        const i = instance(req);
        const reason = req.body === undefined ? undefined : jsonBody(req).reason;
        if (reason !== undefined && typeof reason !== 'string') throw invalidArgument('reason must be a string', { field: 'reason' });
        await cancelInstance(streamsOf(ctx.log), i.workflow, i.id, reason);
        return { ok: true };
      },
    },
    {
      id: 'retryWorkflowInstance', method: 'POST', url: `${BASE}/:workflow/instances/:id/retry`, tag: 'workflows', permission: admin,
      summary: 'Run a failed instance again from the step that failed.', response: '{ ok: true }', status: 202,
      handler: async (req, _reply, ctx) => { const i = instance(req); await retryInstance(streamsOf(ctx.log), i.workflow, i.id); return { ok: true }; },
    },
    {
      id: 'signalWorkflowInstance', method: 'POST', url: `${BASE}/:workflow/instances/:id/signals/:name`, tag: 'workflows', permission: admin,
      summary: 'Send a signal (with an optional JSON payload) to a running instance.',
      body: { contentTypes: ['application/json'], description: '{ payload? }' }, response: '{ ok: true }', status: 202,
      handler: async (req, _reply, ctx) => {
        const i = instance(req);
        const payload = req.body === undefined ? undefined : jsonBody(req).payload;
        await signalInstance(streamsOf(ctx.log), i.workflow, i.id, paramsOf(req).name ?? '', payload);
        return { ok: true };
      },
    },
  ];
}
