import type { DeletedResponse } from '../../client/wire.js';
import type { CloudEvent } from '../../core/envelope.js';
import { integer, jsonBody } from '../params.js';
import { paramsOf, type RouteDef } from '../route.js';

/** The EventLog's low-level admin primitives, for the remote client (dead-letter tooling uses them). */
export function logOpRoutes(): RouteDef[] {
  return [
    {
      id: 'requeue', method: 'POST', url: '/v1/topics/:topic/groups/:group/requeue', tag: 'admin', permission: { kind: 'topic', action: 'admin' },
      summary: 'Hand an (edited) event back to one group at its position, as a fresh first attempt; other groups are not affected.',
      body: { contentTypes: ['application/json'], description: '{ event, position }' }, response: '{ ok: true }',
      handler: async (req, _reply, ctx) => {
        const { topic, group } = paramsOf(req) as { topic: string; group: string };
        const body = jsonBody(req);
        await ctx.log.requeue(topic, group, body.event as CloudEvent, body.position as number);
        return { ok: true };
      },
    },
    {
      id: 'deleteEvent', method: 'DELETE', url: '/v1/topics/:topic/events/:position', tag: 'admin', permission: { kind: 'topic', action: 'admin' },
      summary: 'Remove one stored event (positions are never reused).', response: '{ deleted }',
      handler: async (req, _reply, ctx): Promise<DeletedResponse> => {
        const { topic, position } = paramsOf(req);
        return { deleted: await ctx.log.deleteEvent(topic!, integer(position)) };
      },
    },
  ];
}
