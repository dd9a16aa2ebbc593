import type { ReadPage } from '../../client/wire.js';
import { HeraldError } from '../../core/errors.js';
import type { StoredEvent } from '../../log/types.js';
import { limitQuery, startFromQuery, typesQuery } from '../params.js';
import { paramsOf, queryOf, type RouteDef } from '../route.js';

export const MAX_PAGE = 1000;

/** Reading and replaying a topic, one page at a time. */
export function readRoutes(): RouteDef[] {
  return [
    {
      id: 'readEvents', method: 'GET', url: '/v1/topics/:topic/events', tag: 'events',
      permission: { kind: 'topic', action: 'read' },
      summary: 'Read stored events in position order, one page at a time; continue from `next`.',
      query: {
        from: { description: 'earliest (default), latest, or a position' },
        time: { description: 'start at the first event appended at or after this time (ms since epoch or RFC 3339)' },
        limit: { description: `events in this page, 1-${MAX_PAGE} (default 100)`, type: 'integer' },
        type: { description: 'only events of this CloudEvents type (repeat for several)' },
      },
      response: '{ events: [{ topic, position, appendedAt, event }], next: position | null }',
      handler: async (req, _reply, ctx): Promise<ReadPage> => {
        const query = queryOf(req);
        const limit = limitQuery(query, 100, MAX_PAGE);
        const from = startFromQuery(query);
        const types = typesQuery(query);
        const events: StoredEvent[] = [];
        for await (const e of ctx.log.read(paramsOf(req).topic!, { limit, ...(from ? { from } : {}), ...(types ? { types } : {}) })) events.push(e);
        const last = events[events.length - 1];
        return { events, next: events.length === limit && last ? last.position + 1 : null };
      },
    },
    {
      id: 'topicInfo', method: 'GET', url: '/v1/topics/:topic', tag: 'topics',
      permission: { kind: 'topic', action: 'read' },
      summary: 'A topic\'s head, first position, count and retention (404 when it does not exist).',
      response: 'TopicInfo',
      handler: async (req, _reply, ctx) => {
        const topic = paramsOf(req).topic!;
        const info = await ctx.log.topicInfo(topic);
        if (!info) throw new HeraldError('HERALD_E_NOT_FOUND', `no topic ${topic}`);
        return info;
      },
    },
  ];
}
