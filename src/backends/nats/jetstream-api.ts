import { connect, createInbox, type Msg, type MsgHdrs, type NatsConnection } from '@nats-io/transport-node';
import { HeraldError } from '../../core/errors.js';
import { redactUrl, type ResolvedNatsOptions } from './options.js';

/** A JetStream API error answer (`{ error: { code, err_code, description } }`). */
export class JetStreamApiError extends HeraldError {
  constructor(readonly subject: string, readonly status: number, readonly errCode: number, description: string) {
    super('HERALD_E_UNAVAILABLE', `JetStream ${subject} failed: ${description} (${errCode})`, { details: { status, errCode } });
  }
}

/** JetStream error codes herald reacts to. */
export const ERR = { streamNotFound: 10059, consumerNotFound: 10014, noMessage: 10037, sequenceNotFound: 10043, deleteFailed: 10057, streamNameInUse: 10058 } as const;

export function isApiError(error: unknown, errCode: number): boolean {
  return error instanceof JetStreamApiError && error.errCode === errCode;
}

export function unavailable(what: string, cause: unknown): HeraldError {
  const message = cause instanceof Error ? cause.message : String(cause);
  return new HeraldError('HERALD_E_UNAVAILABLE', `NATS ${what}: ${message}`, { cause });
}

export async function connectNats(options: ResolvedNatsOptions): Promise<NatsConnection> {
  try {
    return await connect({
      servers: options.servers,
      name: options.name,
      timeout: options.requestTimeoutMs,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
      // A connection black-holed by a partition is only noticed by unanswered PINGs (options.ts).
      pingInterval: options.pingIntervalMs,
      maxPingOut: options.maxPingOut,
      ...(options.user === undefined ? {} : { user: options.user }),
      ...(options.pass === undefined ? {} : { pass: options.pass }),
      ...(options.token === undefined ? {} : { token: options.token }),
    });
  } catch {
    const where = options.servers.map(redactUrl).join(', ');
    // The driver's message may quote the URL it tried: never pass it on.
    throw new HeraldError('HERALD_E_UNAVAILABLE', `cannot connect to NATS at ${where}`, { details: { servers: options.servers.map(redactUrl) } });
  }
}

export interface Request {
  subject: string;
  data?: Uint8Array | string;
  headers?: MsgHdrs;
}

/**
 * Requests on one connection: `call` for JSON API calls, `many` for pipelined requests (JetStream
 * publishes, acks that ask for a confirmation): all sent at once on one reply inbox, answers
 * matched as they arrive, one timer for all requests out.
 */
export class JetStreamApi {
  private readonly inbox = createInbox();
  private next = 0;
  /** Requests waiting for their answer, in request order (so in deadline order). */
  private readonly waiting = new Map<number, { done: (reply: Msg | Error) => void; deadline: number }>();
  private sweeper: NodeJS.Timeout | undefined;

  constructor(readonly nc: NatsConnection, readonly timeoutMs: number) {
    nc.subscribe(`${this.inbox}.*`, {
      callback: (_error, msg) => {
        const id = Number(msg.subject.slice(this.inbox.length + 1));
        const request = this.waiting.get(id);
        if (!request) return;
        this.waiting.delete(id);
        if (this.waiting.size === 0) this.idle();
        if (msg.headers?.code === 503) request.done(new HeraldError('HERALD_E_UNAVAILABLE', 'no responders'));
        else request.done(msg);
      },
    });
    void this.watch();
  }

  /**
   * A request in flight when the connection drops gets no answer (the server that would send it
   * is gone), nor, as measured, one sent while it was down: fail them at the disconnect and at the
   * reconnect, as retryable, instead of after `timeoutMs` (R10: broker kill -9). The outcome is
   * unknown; a resend with the same `Nats-Msg-Id` is deduplicated.
   */
  private async watch(): Promise<void> {
    try {
      for await (const status of this.nc.status()) {
        if (status.type !== 'disconnect' && status.type !== 'reconnect') continue;
        const lost = new HeraldError('HERALD_E_UNAVAILABLE', 'NATS connection lost while waiting for an answer (outcome unknown)');
        for (const request of this.waiting.values()) request.done(lost);
        this.waiting.clear();
        this.idle();
      }
    } catch {
      // the status iterator ends with the connection
    }
  }

  /** One JetStream API call (`$JS.API.<subject>`); throws JetStreamApiError on an error answer. */
  async call<T>(subject: string, body?: unknown): Promise<T> {
    const [reply] = await this.many([{ subject: `$JS.API.${subject}`, data: body === undefined ? '' : JSON.stringify(body) }]);
    if (reply instanceof Error) throw unavailable(subject, reply);
    const parsed = reply!.json<{ error?: { code: number; err_code: number; description: string } }>();
    if (parsed.error) throw new JetStreamApiError(subject, parsed.error.code, parsed.error.err_code, parsed.error.description);
    return parsed as T;
  }

  /** Sends every request at once; each answer is its reply or an Error (timeout, no responders). */
  many(requests: readonly Request[]): Promise<(Msg | Error)[]> {
    if (requests.length === 0) return Promise.resolve([]);
    const deadline = performance.now() + this.timeoutMs;
    const answers = requests.map((r) => new Promise<Msg | Error>((resolve) => {
      const id = ++this.next;
      this.waiting.set(id, { done: resolve, deadline });
      try {
        this.nc.publish(r.subject, r.data ?? '', { reply: `${this.inbox}.${id}`, ...(r.headers ? { headers: r.headers } : {}) });
      } catch (error) {
        this.waiting.delete(id);
        resolve(error instanceof Error ? error : new Error(String(error)));
      }
    }));
    this.sweeper ??= setTimeout(this.sweep, this.timeoutMs);
    return answers.length === 1 ? answers[0]!.then((answer) => [answer]) : Promise.all(answers);
  }

  /**
   * Fails the requests whose time is up. One timer for all of them (not one per call: a thousand
   * single-event appends in flight would make a thousand): `waiting` is in request order, which is
   * deadline order, so the sweep stops at the first request still in time and waits for it.
   */
  private readonly sweep = (): void => {
    this.sweeper = undefined;
    const now = performance.now();
    for (const [id, request] of this.waiting) {
      if (request.deadline > now) {
        this.sweeper = setTimeout(this.sweep, request.deadline - now);
        return;
      }
      this.waiting.delete(id);
      request.done(new HeraldError('HERALD_E_TIMEOUT', `no answer from NATS within ${this.timeoutMs} ms`));
    }
  };

  /** Called when the last request waiting got its answer: no timer keeps the process busy for nothing. */
  private idle(): void {
    if (this.sweeper === undefined) return;
    clearTimeout(this.sweeper);
    this.sweeper = undefined;
  }
}
