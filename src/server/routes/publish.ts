import type { PublishResponse } from '../../client/wire.js';
import { BATCH, STRUCTURED } from '../cloudevents/media.js';
import { decodeCloudEvents } from '../cloudevents/decode.js';
import { paramsOf, type RouteDef } from '../route.js';

/** Publishing by the CloudEvents HTTP binding: binary, structured and batch mode. */
export function publishRoutes(): RouteDef[] {
  return [{
    id: 'publish', method: 'POST', url: '/v1/topics/:topic/events', tag: 'events',
    permission: { kind: 'topic', action: 'publish' },
    summary: 'Publish events (CloudEvents HTTP binding). Binary mode: ce-* headers and the data as the body; '
      + `structured mode: one event as ${STRUCTURED}; batch mode: a JSON array as ${BATCH}, all or nothing. `
      + 'An event id already in the topic is not written again: its first receipt comes back with duplicate: true.',
    body: { contentTypes: [STRUCTURED, BATCH, '*/* (binary mode, with ce-specversion, ce-id, ce-source, ce-type headers)'], description: 'CloudEvents' },
    response: '{ receipts: [{ topic, id, position, appendedAt, duplicate }] }, one per event in order',
    handler: async (req, _reply, ctx): Promise<PublishResponse> => {
      const { events } = decodeCloudEvents(req.headers, req.body as Buffer | undefined);
      const topic = paramsOf(req).topic!;
      const admitted = ctx.gateway.governance?.admit(ctx.principal.tenant, topic, events) ?? events;
      const receipts = await ctx.log.append(topic, admitted);
      ctx.gateway.governance?.accepted(topic, admitted, receipts);
      return { receipts };
    },
  }];
}
