import type { FetchResponse, SettleResponse } from '../../client/wire.js';
import { invalidArgument } from '../../core/errors.js';
import type { FetchOptions, Settlement } from '../../log/types.js';
import { waitForAppend } from '../follow.js';
import { jsonBody, startFromJson } from '../params.js';
import { paramsOf, type RouteDef } from '../route.js';
import { stopSignal } from './stream-stop.js';

/** Longest a fetch may wait for events to arrive. */
export const MAX_WAIT_MS = 30_000;

/** Consumer-group pull: fetch leases events, settle acks, nacks, releases or extends them. */
export function groupRoutes(): RouteDef[] {
  return [
    {
      id: 'fetch', method: 'POST', url: '/v1/topics/:topic/groups/:group/fetch', tag: 'groups',
      permission: { kind: 'topic', action: 'subscribe' },
      summary: 'Lease up to `max` events to this consumer of the group for `leaseMs`. Settle each before its lease ends, '
        + 'or it goes to another consumer. With `waitMs`, an empty answer waits up to that long for new events (long poll).',
      body: { contentTypes: ['application/json'], description: '{ max, leaseMs, from?, waitMs? }' },
      response: '{ deliveries: [{ topic, group, position, appendedAt, event, attempt, leaseId, leaseUntil, lastError? }] }',
      handler: async (req, reply, ctx): Promise<FetchResponse> => {
        const { topic, group } = paramsOf(req) as { topic: string; group: string };
        const body = jsonBody(req);
        const options = { max: body.max, leaseMs: body.leaseMs } as FetchOptions;
        const from = startFromJson(body.from);
        if (from !== undefined) options.from = from;
        const waitMs = body.waitMs ?? 0;
        if (typeof waitMs !== 'number' || !(waitMs >= 0 && waitMs <= MAX_WAIT_MS)) {
          throw invalidArgument(`waitMs must be a number from 0 to ${MAX_WAIT_MS}`, { field: 'waitMs' });
        }
        const deadline = Date.now() + waitMs;
        const { signal, stop } = stopSignal(ctx.gateway.closing);
        // The response's 'close' before it was sent means the client went away.
        reply.raw.once('close', stop);
        try {
          for (;;) {
            const deliveries = await ctx.log.fetch(topic, group, options);
            const left = deadline - Date.now();
            if (deliveries.length > 0 || left <= 0 || signal.aborted) return { deliveries };
            await waitForAppend(ctx.log, topic, Math.min(left, ctx.gateway.followPollMs), signal);
          }
        } finally {
          stop();
        }
      },
    },
    {
      id: 'settle', method: 'POST', url: '/v1/topics/:topic/groups/:group/settle', tag: 'groups',
      permission: { kind: 'topic', action: 'subscribe' },
      summary: 'Settle leased events: ack, nack (retry after delayMs), release (give back, no attempt counted) or extend. '
        + 'One outcome per settlement: ok, or stale when the lease had passed to someone else.',
      body: { contentTypes: ['application/json'], description: '{ settlements: [{ kind, position, leaseId, delayMs?, leaseMs?, error? }] }' },
      response: '{ outcomes: ["ok" | "stale", ...] }',
      handler: async (req, _reply, ctx): Promise<SettleResponse> => {
        const { topic, group } = paramsOf(req) as { topic: string; group: string };
        const settlements = jsonBody(req).settlements;
        if (!Array.isArray(settlements)) throw invalidArgument('settlements must be a list', { field: 'settlements' });
        return { outcomes: await ctx.log.settle(topic, group, settlements as Settlement[]) };
      },
    },
  ];
}
