import type { GroupsResponse, RemovedResponse, TopicsResponse } from '../../client/wire.js';
import { HeraldError, invalidArgument } from '../../core/errors.js';
import { deleteTopic, type Retention, type StartFrom } from '../../log/types.js';
import { jsonBody, startFromJson } from '../params.js';
import { paramsOf, type RouteDef } from '../route.js';

/** Administration of topics and consumer groups: listings, lag, retention, reset, delete. */
export function adminTopicRoutes(): RouteDef[] {
  return [
    {
      id: 'listTopics', method: 'GET', url: '/v1/topics', tag: 'admin', permission: { kind: 'tenant', action: 'admin' },
      summary: 'Every topic of the tenant with head, first position, count and retention.', response: '{ topics: [TopicInfo] }',
      handler: async (_req, _reply, ctx): Promise<TopicsResponse> => ({ topics: await ctx.log.topics() }),
    },
    {
      id: 'createTopic', method: 'PUT', url: '/v1/topics/:topic', tag: 'admin', permission: { kind: 'topic', action: 'admin' },
      summary: 'Create a topic with its retention (a topic is also created by its first event); an existing topic gets the retention. Topics have no partitions: per-key order and parallelism come from consumer groups.',
      body: { contentTypes: ['application/json'], description: '{ retention?: { maxAgeMs?, maxCount? } }' }, response: 'TopicInfo',
      handler: async (req, _reply, ctx) => {
        const topic = paramsOf(req).topic!;
        const body: Record<string, unknown> = req.body === undefined || req.body === null || req.body === '' ? {} : jsonBody(req);
        const retention = (body.retention ?? {}) as Retention;
        if (typeof retention !== 'object' || retention === null || Array.isArray(retention)) throw invalidArgument('retention must be an object { maxAgeMs?, maxCount? }', { field: 'retention' });
        await ctx.log.setRetention(topic, retention);
        return (await ctx.log.topicInfo(topic)) ?? { topic, head: 0, first: 1, count: 0, retention };
      },
    },
    {
      id: 'deleteTopic', method: 'DELETE', url: '/v1/topics/:topic', tag: 'admin', permission: { kind: 'topic', action: 'admin' },
      summary: 'Delete a topic with its events, retention and consumer groups (its dead-letter topics are topics of their own). 404 when there is none.',
      response: '{ topic, deleted: true }',
      handler: async (req, _reply, ctx) => {
        const topic = paramsOf(req).topic!;
        if (!(await deleteTopic(ctx.log, topic))) throw new HeraldError('HERALD_E_NOT_FOUND', `no topic ${topic}`);
        return { topic, deleted: true };
      },
    },
    {
      id: 'setRetention', method: 'PUT', url: '/v1/topics/:topic/retention', tag: 'admin', permission: { kind: 'topic', action: 'admin' },
      summary: 'Set a topic\'s retention ({} keeps everything). Events a group still holds are kept until settled.',
      body: { contentTypes: ['application/json'], description: '{ maxAgeMs?, maxCount? }' }, response: '{ topic, retention }',
      handler: async (req, _reply, ctx) => {
        const topic = paramsOf(req).topic!;
        const retention = jsonBody(req) as Retention;
        await ctx.log.setRetention(topic, retention);
        return { topic, retention: (await ctx.log.topicInfo(topic))?.retention ?? retention };
      },
    },
    {
      id: 'applyRetention', method: 'POST', url: '/v1/retention/apply', tag: 'admin', permission: { kind: 'tenant', action: 'admin' },
      summary: 'Delete now what retention allows (the server also does this periodically); answers how many of the tenant\'s events went.',
      response: '{ removed }',
      handler: async (_req, _reply, ctx): Promise<RemovedResponse> => ({ removed: await ctx.log.applyRetention() }),
    },
    {
      id: 'listGroups', method: 'GET', url: '/v1/groups', tag: 'admin', permission: { kind: 'tenant', action: 'admin' },
      summary: 'Every consumer group of the tenant with cursor, pending and lag.', response: '{ groups: [GroupInfo] }',
      handler: async (_req, _reply, ctx): Promise<GroupsResponse> => ({ groups: await ctx.log.groups() }),
    },
    {
      id: 'topicGroups', method: 'GET', url: '/v1/topics/:topic/groups', tag: 'admin', permission: { kind: 'topic', action: 'admin' },
      summary: 'The consumer groups of one topic with cursor, pending and lag.', response: '{ groups: [GroupInfo] }',
      handler: async (req, _reply, ctx): Promise<GroupsResponse> => ({ groups: await ctx.log.groups(paramsOf(req).topic) }),
    },
    {
      id: 'resetGroup', method: 'POST', url: '/v1/topics/:topic/groups/:group/reset', tag: 'admin', permission: { kind: 'topic', action: 'admin' },
      summary: 'Move a group to earliest, latest, a position or a time, dropping what it held (creates a missing group).',
      body: { contentTypes: ['application/json'], description: '{ to: "earliest" | "latest" | { position } | { time } }' }, response: '{ ok: true }',
      handler: async (req, _reply, ctx) => {
        const { topic, group } = paramsOf(req) as { topic: string; group: string };
        const body = jsonBody(req);
        if (body.to === undefined) throw invalidArgument('to is required', { field: 'from' });
        await ctx.log.resetGroup(topic, group, startFromJson(body.to) as StartFrom);
        return { ok: true };
      },
    },
    {
      id: 'deleteGroup', method: 'DELETE', url: '/v1/topics/:topic/groups/:group', tag: 'admin', permission: { kind: 'topic', action: 'admin' },
      summary: 'Forget a consumer group: its cursor and everything it held.', response: '{ ok: true }',
      handler: async (req, _reply, ctx) => {
        const { topic, group } = paramsOf(req) as { topic: string; group: string };
        await ctx.log.deleteGroup(topic, group);
        return { ok: true };
      },
    },
  ];
}
