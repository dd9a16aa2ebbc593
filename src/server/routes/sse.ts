import type { ServerResponse } from 'node:http';
import { HeraldError } from '../../core/errors.js';
import type { StartFrom } from '../../log/types.js';
import { follow } from '../follow.js';
import { integer, startFromQuery } from '../params.js';
import { paramsOf, queryOf, type RouteDef } from '../route.js';
import { stopSignal } from './stream-stop.js';

/** Waits until `res` drains; false when it did not within `ms` (or the stream ended). */
function drained(res: ServerResponse, ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      res.off('drain', onDrain);
      signal.removeEventListener('abort', onAbort);
      resolve(ok);
    };
    const onDrain = (): void => done(true);
    const onAbort = (): void => done(false);
    const timer = setTimeout(() => done(false), ms);
    res.once('drain', onDrain);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Where a stream starts: after `Last-Event-ID` (a position) when the client resumes, else `from`/`time`, else latest. */
export function streamStart(lastEventId: string | string[] | undefined, query: Record<string, string | string[] | undefined>): StartFrom {
  if (typeof lastEventId === 'string' && lastEventId.length > 0) {
    const last = integer(lastEventId);
    if (!(last >= 0)) throw new HeraldError('HERALD_E_INVALID_ARGUMENT', 'Last-Event-ID must be a position', { details: { field: 'last-event-id' } });
    return { position: last + 1 };
  }
  return startFromQuery(query) ?? 'latest';
}

/** Server-sent events: a topic from a position, then live; `id:` is the position, so EventSource resumes by itself. */
export function sseRoutes(): RouteDef[] {
  return [{
    id: 'streamEvents', method: 'GET', url: '/v1/topics/:topic/events/stream', tag: 'streams',
    permission: { kind: 'topic', action: 'subscribe' },
    summary: 'Server-sent events (text/event-stream): each event as `id: <position>` and `data: <stored event JSON>`. '
      + 'Resumes after the Last-Event-ID header; else starts at from/time; else at the latest. A client that does not read is disconnected.',
    query: { from: { description: 'earliest, latest (default) or a position' }, time: { description: 'ms since epoch or RFC 3339' } },
    response: 'text/event-stream',
    handler: async (req, reply, ctx) => {
      const topic = paramsOf(req).topic!;
      const start = streamStart(req.headers['last-event-id'], queryOf(req));
      const { gateway, principal } = ctx;
      const { signal, stop } = stopSignal(gateway.closing);
      const release = gateway.streams.open(principal.keyId ?? 'dev', stop);
      if (!release) {
        stop();
        throw new HeraldError('HERALD_E_RATE_LIMITED', `this key has ${gateway.limits.streamsPerKey} streams open already`, { details: { retryAfterSeconds: 5 } });
      }
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' });
      res.write('retry: 2000\n\n');
      res.once('close', stop);
      const heartbeat = setInterval(() => res.write(': ping\n\n'), 15_000);
      try {
        for await (const stored of follow(ctx.log, topic, start, signal, gateway.followPollMs)) {
          const fits = res.write(`id: ${stored.position}\ndata: ${JSON.stringify(stored)}\n\n`);
          if (res.writableLength > gateway.limits.sendBuffer) break;
          if (!fits && !(await drained(res, gateway.limits.sendTimeoutMs, signal))) break;
        }
      } catch (error) {
        const message = error instanceof HeraldError ? error.toJSON() : { code: 'HERALD_E_STORAGE_IO', message: 'internal error' };
        if (!res.destroyed) res.write(`event: error\ndata: ${JSON.stringify(message)}\n\n`);
        if (!(error instanceof HeraldError)) req.log.error({ err: error }, 'stream failed');
      } finally {
        clearInterval(heartbeat);
        stop();
        release();
        // A client that stopped reading gets no graceful end: its socket is dropped.
        if (res.writableLength > gateway.limits.sendBuffer || res.writableNeedDrain) res.destroy(); else res.end();
      }
    },
  }];
}
