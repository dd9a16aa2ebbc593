import type { FastifyRequest } from 'fastify';
import type { RawData, WebSocket } from 'ws';
import type { ClientFrame, ServerFrame } from '../../client/wire.js';
import { HeraldError } from '../../core/errors.js';
import { assertEventAt } from '../../log/event-at.js';
import { allows } from '../../security/permissions.js';
import { credentialStillValid } from '../auth.js';
import { follow } from '../follow.js';
import { toHttpError } from '../http-errors.js';
import { parseJson } from '../safe-json.js';
import { paramsOf, queryOf, type RequestContext, type RouteDef } from '../route.js';
import { CLOSE } from '../streams.js';
import { streamStart } from './sse.js';
import { stopSignal } from './stream-stop.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function send(socket: WebSocket, frame: ServerFrame): void {
  if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(frame));
}

/** Closes, and drops the connection if the close handshake does not finish (a client that does not read never answers). */
function closeSocket(socket: WebSocket, code: number, reason: string): void {
  if (socket.readyState === socket.CLOSED) return;
  socket.close(code, reason);
  setTimeout(() => socket.terminate(), 5_000).unref();
}

/** Publishing over the socket: every frame is checked against the key's permission, revocation and rate. */
async function onMessage(socket: WebSocket, ctx: RequestContext, topic: string, data: RawData, req: FastifyRequest): Promise<void> {
  let ref: string | undefined;
  try {
    const frame = parseJson(Buffer.isBuffer(data) ? data : Buffer.from(data as ArrayBuffer), 'frame') as Partial<ClientFrame>;
    ref = typeof frame?.ref === 'string' ? frame.ref.slice(0, 100) : undefined;
    if (frame?.op !== 'publish' || !Array.isArray(frame.events)) throw new HeraldError('HERALD_E_INVALID_ARGUMENT', 'a frame is { op: "publish", events: [...] }', { details: { field: 'op' } });
    const { principal, gateway } = ctx;
    if (principal.keyId !== undefined) {
      if (!credentialStillValid(gateway, principal)) throw new HeraldError('HERALD_E_UNAUTHENTICATED', 'the key was revoked or has expired, or the token has expired');
      const take = gateway.rate?.take(principal.keyId);
      if (take && !take.ok) throw new HeraldError('HERALD_E_RATE_LIMITED', 'too many requests for this key', { details: { retryAfterSeconds: Math.ceil(take.retryAfterMs / 1000) } });
    }
    if (!allows(principal.grants, 'publish', topic)) {
      gateway.audit.record({ kind: 'denied', method: 'WS', route: req.routeOptions.url ?? '', path: req.url.split('?')[0]!, status: 403, code: 'HERALD_E_FORBIDDEN', ...(principal.tenant ? { tenant: principal.tenant } : {}), ...(principal.keyId ? { keyId: principal.keyId } : {}) });
      throw new HeraldError('HERALD_E_FORBIDDEN', `this key may not publish to topic ${topic}`);
    }
    // The checks of an HTTP publish (schema, signature policy, replay), on what the frame holds.
    frame.events.forEach(assertEventAt);
    const admitted = gateway.governance?.admit(principal.tenant, topic, frame.events) ?? frame.events;
    const receipts = await ctx.log.append(topic, admitted);
    gateway.governance?.accepted(topic, admitted, receipts);
    send(socket, { op: 'receipts', ...(ref ? { ref } : {}), receipts });
  } catch (error) {
    const http = toHttpError(error);
    if (http.unexpected) req.log.error({ err: http.unexpected }, 'websocket publish failed');
    send(socket, { op: 'error', ...(ref ? { ref } : {}), error: http.body.error });
  }
}

/** A WebSocket subscription: the topic from a position, then live; optional publishing on the same socket. */
export function wsRoutes(): RouteDef[] {
  return [{
    id: 'websocket', method: 'GET', url: '/v1/topics/:topic/ws', tag: 'streams',
    permission: { kind: 'topic', action: 'subscribe' },
    summary: 'WebSocket: the server sends {op:"event", topic, position, appendedAt, event} frames from `from` (default latest); '
      + 'to resume, reconnect with from=<last position + 1>. A client may send {op:"publish", ref?, events} (needs publish). '
      + 'Frames are at most 1 MiB; a client that does not read is closed with 1013; a revoked key with 1008. '
      + 'Browsers may pass the key as a second subprotocol: new WebSocket(url, ["herald.v1", key]).',
    query: { from: { description: 'earliest, latest (default) or a position' }, time: { description: 'ms since epoch or RFC 3339' } },
    response: 'a WebSocket (101 Switching Protocols)',
    ws: (socket, req, ctx) => {
      const topic = paramsOf(req).topic!;
      const { gateway, principal } = ctx;
      const { signal, stop } = stopSignal(gateway.closing);
      socket.on('close', stop);
      socket.on('message', (data) => void onMessage(socket, ctx, topic, data, req));
      let start;
      try {
        start = streamStart(undefined, queryOf(req));
      } catch (error) {
        send(socket, { op: 'error', error: toHttpError(error).body.error });
        return closeSocket(socket, CLOSE.policy, 'invalid from');
      }
      const release = gateway.streams.open(principal.keyId ?? 'dev', (code, reason) => closeSocket(socket, code, reason));
      if (!release) return closeSocket(socket, CLOSE.tryAgainLater, 'too many streams for this key');
      socket.on('close', release);
      const { sendBuffer, sendTimeoutMs } = gateway.limits;
      void (async () => {
        try {
          for await (const stored of follow(ctx.log, topic, start, signal, gateway.followPollMs)) {
            // A frame is queued only when it fits in sendBuffer with what already waits for the client
            // (or nothing waits: one frame is at most ~1 MiB, the body limit), so at most sendBuffer
            // bytes wait per socket; a client that does not read for sendTimeoutMs is closed with 1013.
            const frame = JSON.stringify({ op: 'event', ...stored } satisfies ServerFrame);
            const bytes = Buffer.byteLength(frame);
            const since = Date.now();
            while (socket.bufferedAmount > 0 && socket.bufferedAmount + bytes > sendBuffer && socket.readyState === socket.OPEN) {
              if (Date.now() - since > sendTimeoutMs) {
                req.log.info({ path: req.url.split('?')[0], buffered: socket.bufferedAmount }, 'websocket client too slow: closing');
                return closeSocket(socket, CLOSE.tryAgainLater, 'client too slow');
              }
              await sleep(10);
            }
            if (socket.readyState !== socket.OPEN) break;
            socket.send(frame);
          }
        } catch (error) {
          const http = toHttpError(error);
          if (http.unexpected) req.log.error({ err: http.unexpected }, 'websocket stream failed');
          send(socket, { op: 'error', error: http.body.error });
          closeSocket(socket, CLOSE.policy, 'stream failed');
        }
      })();
    },
  }];
}
