import type { FastifyRequest } from 'fastify';
import { EXPECTED_REVISION_HEADER, type AllHeadResponse, type StreamPage } from '../../client/wire.js';
import { HeraldError } from '../../core/errors.js';
import { categoryOf, type StreamMetadata, type StreamSnapshot } from '../../log/streams.js';
import { BATCH, STRUCTURED } from '../cloudevents/media.js';
import { decodeCloudEvents } from '../cloudevents/decode.js';
import { jsonBody, limitQuery, single, typesQuery } from '../params.js';
import { paramsOf, queryOf, type ParamDoc, type RouteDef } from '../route.js';
import { MAX_PAGE } from './read.js';
import {
  directionQuery, expectedRevisionOf, fromQuery, pageOf, snapshotsOf, streamsOf, tombstoneQuery,
} from './stream-params.js';

const EXPECTED: Record<string, ParamDoc> = {
  expectedRevision: { description: `no_stream, stream_exists, any (default) or a revision; or the ${EXPECTED_REVISION_HEADER} header. A mismatch is 409 HERALD_E_WRONG_REVISION with details.actualRevision` },
};
const PAGING: Record<string, ParamDoc> = {
  direction: { description: 'forwards (default) or backwards' },
  limit: { description: `events in this page, 1-${MAX_PAGE} (default 100)`, type: 'integer' },
};
const PAGE = '{ events: [{ stream, revision, globalPosition, topic, position, appendedAt, event }], next: number | null }';
const OK = '{ ok: true }';

const streamOf = (req: FastifyRequest): string => paramsOf(req).stream!;

/**
 * The event store over HTTP: streams with expected revisions, stream reads both ways, metadata,
 * deletes, snapshots, and `$all`. Per-stream routes need the action on the stream's category
 * (its topic); `$all` needs `read` on every topic of the tenant. A tenant sees only its streams.
 */
export function streamRoutes(): RouteDef[] {
  return [
    {
      id: 'appendToStream', method: 'POST', url: '/v1/streams/:stream/events', tag: 'streams', permission: { kind: 'stream', action: 'publish' },
      summary: 'Append events to a stream (CloudEvents HTTP binding, as publish: binary, structured or batch mode), all or nothing, '
        + 'checking the expected revision. The events also land on the stream\'s topic. Sending the same event ids again is an exact retry: the original result.',
      body: { contentTypes: [STRUCTURED, BATCH, '*/* (binary mode, with ce-* headers)'], description: 'CloudEvents' },
      query: EXPECTED,
      response: '{ stream, revision, globalPosition, receipts: [{ topic, id, position, appendedAt, duplicate }] }',
      handler: async (req, _reply, ctx) => {
        const streams = streamsOf(ctx.log);
        const { events } = decodeCloudEvents(req.headers, req.body as Buffer | undefined);
        const stream = streamOf(req);
        // Schema validation and the signature policy apply as to publishing on the stream's topic.
        const topic = categoryOf(stream);
        const admitted = ctx.gateway.governance?.admit(ctx.principal.tenant, topic, events) ?? events;
        const result = await streams.appendToStream(stream, admitted, expectedRevisionOf(req));
        ctx.gateway.governance?.accepted(topic, admitted, result.receipts);
        return result;
      },
    },
    {
      id: 'readStream', method: 'GET', url: '/v1/streams/:stream/events', tag: 'streams', permission: { kind: 'stream', action: 'read' },
      summary: 'Read a stream one page at a time, forwards or backwards from a revision; continue from `next`. Stream metadata applies; a stream never written reads as empty.',
      query: { from: { description: 'the first revision returned (default the start, or the end backwards)', type: 'integer' }, ...PAGING },
      response: PAGE,
      handler: async (req, _reply, ctx): Promise<StreamPage> => {
        const streams = streamsOf(ctx.log);
        const limit = limitQuery(queryOf(req), 100, MAX_PAGE);
        const from = fromQuery(req);
        const direction = directionQuery(req);
        const events = streams.readStream(streamOf(req), { limit, ...direction, ...(from === undefined ? {} : { fromRevision: from }) });
        return pageOf(events, limit, direction.direction, (e) => e.revision);
      },
    },
    {
      id: 'streamInfo', method: 'GET', url: '/v1/streams/:stream', tag: 'streams', permission: { kind: 'stream', action: 'read' },
      summary: 'A stream\'s revision, topic, deletion state and metadata (404 when it was never written and has no metadata).',
      response: '{ stream, revision, topic, deleted: no | soft | tombstone, softDeletedAt, metadata }',
      handler: async (req, _reply, ctx) => {
        const info = await streamsOf(ctx.log).streamInfo(streamOf(req));
        if (!info) throw new HeraldError('HERALD_E_NOT_FOUND', `no stream ${JSON.stringify(streamOf(req))}`);
        return info;
      },
    },
    {
      id: 'setStreamMetadata', method: 'PUT', url: '/v1/streams/:stream/metadata', tag: 'streams', permission: { kind: 'stream', action: 'admin' },
      summary: 'Replace a stream\'s metadata (enforced on read: maxAgeMs, maxCount, truncateBefore; custom is kept as given).',
      body: { contentTypes: ['application/json'], description: '{ maxAgeMs?, maxCount?, truncateBefore?, custom? }' },
      query: EXPECTED, response: OK,
      handler: async (req, _reply, ctx) => {
        const streams = streamsOf(ctx.log);
        await streams.setStreamMetadata(streamOf(req), jsonBody(req) as StreamMetadata, expectedRevisionOf(req));
        return { ok: true };
      },
    },
    {
      id: 'deleteStream', method: 'DELETE', url: '/v1/streams/:stream', tag: 'streams', permission: { kind: 'stream', action: 'admin' },
      summary: 'Soft-delete a stream (it reads as empty; writing it again continues its revisions) or, with tombstone=true, delete it for good (410 HERALD_E_STREAM_DELETED afterwards). Its events stay on the topic and in $all.',
      query: { tombstone: { description: 'true: never writable again (default false)' }, ...EXPECTED }, response: OK,
      handler: async (req, _reply, ctx) => {
        await streamsOf(ctx.log).deleteStream(streamOf(req), { tombstone: tombstoneQuery(req), ...expectedRevisionOf(req) });
        return { ok: true };
      },
    },
    {
      id: 'loadSnapshot', method: 'GET', url: '/v1/streams/:stream/snapshot', tag: 'streams', permission: { kind: 'stream', action: 'read' },
      summary: 'The stream\'s latest snapshot (404 when it has none).', response: '{ revision, version, state }',
      handler: async (req, _reply, ctx) => {
        const snapshot = await snapshotsOf(ctx.log).loadSnapshot(streamOf(req));
        if (!snapshot) throw new HeraldError('HERALD_E_NOT_FOUND', `no snapshot of stream ${JSON.stringify(streamOf(req))}`);
        return snapshot;
      },
    },
    {
      id: 'saveSnapshot', method: 'PUT', url: '/v1/streams/:stream/snapshot', tag: 'streams', permission: { kind: 'stream', action: 'publish' },
      summary: 'Save a snapshot of the stream\'s folded state (kept unless one of a higher revision is already saved).',
      body: { contentTypes: ['application/json'], description: '{ revision, version, state }' }, response: OK,
      handler: async (req, _reply, ctx) => {
        const snapshots = snapshotsOf(ctx.log);
        await snapshots.saveSnapshot(streamOf(req), jsonBody(req) as unknown as StreamSnapshot);
        return { ok: true };
      },
    },
    {
      id: 'readAll', method: 'GET', url: '/v1/all/events', tag: 'streams', permission: { kind: 'tenant', action: 'read' },
      summary: 'Read $all (every stream event of the tenant, in commit order) one page at a time, forwards or backwards from a position, '
        + 'optionally one category and some types; continue from `next`. Positions are the log\'s: a tenant\'s skip other tenants\' events.',
      query: {
        from: { description: 'the first $all position returned (default the start, or the end backwards)', type: 'integer' }, ...PAGING,
        category: { description: 'only streams of this category (order for order-*)' },
        type: { description: 'only events of this CloudEvents type (repeat for several)' },
      },
      response: PAGE,
      handler: async (req, _reply, ctx): Promise<StreamPage> => {
        const streams = streamsOf(ctx.log);
        const query = queryOf(req);
        const limit = limitQuery(query, 100, MAX_PAGE);
        const from = fromQuery(req);
        const direction = directionQuery(req);
        const category = single(query, 'category');
        const types = typesQuery(query);
        const events = streams.readAll({
          limit, ...direction, ...(from === undefined ? {} : { fromPosition: from }), ...(category === undefined ? {} : { category }),
          ...(types ? { types } : {}),
        });
        return pageOf(events, limit, direction.direction, (e) => e.globalPosition);
      },
    },
    {
      id: 'allHead', method: 'GET', url: '/v1/all', tag: 'streams', permission: { kind: 'tenant', action: 'read' },
      summary: 'The last $all position (0 when empty): poll it to learn of new stream events.', response: '{ head }',
      handler: async (_req, _reply, ctx): Promise<AllHeadResponse> => ({ head: await streamsOf(ctx.log).headPosition() }),
    },
  ];
}
