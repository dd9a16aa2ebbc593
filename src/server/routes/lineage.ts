import { HeraldError, invalidArgument } from '../../core/errors.js';
import { renderFlow, traceFlow, type Flow } from '../../observability/index.js';
import { allows } from '../../security/permissions.js';
import { paramsOf, queryOf, type RouteDef } from '../route.js';

/** `?topics=a,b` or `?topics=a&topics=b`. */
function topicsQuery(raw: string | string[] | undefined): string[] | undefined {
  if (raw === undefined) return undefined;
  const list = (Array.isArray(raw) ? raw : [raw]).flatMap((t) => t.split(',')).map((t) => t.trim()).filter((t) => t.length > 0);
  if (list.length === 0 || list.length > 100) throw invalidArgument('topics must name 1-100 topics', { field: 'topics' });
  return list;
}

/**
 * `GET /v1/lineage/:correlationId`: one flow as a causal tree with handler outcomes and timings.
 * It reads only topics the caller may read: those named in `topics` (403 if one is not), or
 * else every topic of its tenant that it may read.
 */
export function lineageRoutes(): RouteDef[] {
  return [{
    id: 'lineage', method: 'GET', url: '/v1/lineage/:correlationId', tag: 'events', permission: { kind: 'authenticated' },
    summary: 'Every event of one flow (sharing a correlation id) as a causal tree, with what each consumer group did with it '
      + '(attempts, outcomes, dead letters) and timings. Needs read permission on the topics it reads.',
    query: {
      topics: { description: 'the topics to look in, comma-separated (default: every topic this key may read)' },
      format: { description: 'json (default) or text (the tree as `herald trace` prints it)' },
    },
    response: 'Flow: { correlationId, startedAt, endedAt, durationMs, events, attempts, roots: [{ topic, position, appendedAt, offsetMs, event, handlings, children }], truncated }',
    handler: async (req, reply, ctx) => {
      const query = queryOf(req);
      const topics = topicsQuery(query.topics);
      const format = query.format ?? 'json';
      if (format !== 'json' && format !== 'text') throw invalidArgument('format must be json or text', { field: 'format' });
      const { grants } = ctx.principal;
      for (const topic of topics ?? []) {
        if (!allows(grants, 'read', topic)) throw new HeraldError('HERALD_E_FORBIDDEN', `this key may not read topic ${topic}`, { details: { action: 'read', topic } });
      }
      if (!grants.some((g) => g.actions.includes('read'))) throw new HeraldError('HERALD_E_FORBIDDEN', 'this key may read no topic', { details: { action: 'read' } });
      const flow: Flow = await traceFlow(ctx.log, topics, paramsOf(req).correlationId!, { readable: (t) => allows(grants, 'read', t) });
      if (format === 'json') return flow;
      void reply.type('text/plain; charset=utf-8');
      return `${renderFlow(flow).join('\n')}\n`;
    },
  }];
}
