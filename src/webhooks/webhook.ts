import type { CloudEvent } from '../core/envelope.js';
import { toMillis, type Duration } from '../core/duration.js';
import { HeraldError, invalidArgument } from '../core/errors.js';
import { linkedSignal } from '../core/linked-signal.js';
import { assertGroup, assertTopic } from '../log/names.js';
import type { SubscribeOptions, Subscription } from '../consumer/types.js';
import { AllowList } from './address.js';
import { postOnce } from './post.js';
import { secretKey, signWebhook } from './signature.js';
import { parseWebhookUrl, resolveTarget, shownUrl, systemResolver, type Resolver } from './target.js';
import { readWebhookStates, recordWebhookState, type WebhookState } from './state.js';
import { hostOf, isHost, type WebhookHost } from './host.js';
import type { EventLog } from '../log/types.js';

export interface WebhookOptions extends Pick<SubscribeOptions, 'from' | 'concurrency' | 'maxAttempts' | 'backoff' | 'onError'> {
  /** The endpoint's name: its consumer group is `webhook-<name>` and its state is recorded under it. */
  name: string;
  /** The topic whose events are sent. */
  topic: string;
  /** Where to POST them: http or https, no credentials in it. */
  url: string;
  /** `whsec_...` (see `newWebhookSecret`): every request is signed with it, Standard Webhooks style. */
  secret: string;
  /** Addresses that are not public but may be sent to anyway (IPs or CIDR ranges); default none. */
  allow?: readonly string[];
  /** How long one request may take (default 10s). */
  timeout?: Duration;
  /** Where endpoint states (disabled, enabled) are recorded (default `webhooks`). */
  stateTopic?: string;
  /** DNS resolution (default the system resolver). */
  resolve?: Resolver;
  /** Called when the endpoint is disabled, e.g. after it answered 410 Gone. */
  onDisabled?: (status: WebhookStatus) => void;
}

export interface WebhookStatus {
  name: string;
  topic: string;
  /** The URL without its query string. */
  url: string;
  state: WebhookState['state'];
  reason?: string;
}

const RETRIED_STATUSES = new Set([408, 425, 429]);

/**
 * Sends every event of a topic to an HTTP endpoint, at least once and in key order, through a
 * consumer group: failed requests are retried with backoff and end in the dead-letter topic.
 * Targets that are not public are refused unless allow-listed, redirects are not followed, and
 * an endpoint that answers 410 Gone is disabled (recorded in the log) until `enable()`.
 */
export class Webhook {
  private sub: Subscription | undefined;
  private current: WebhookState;
  private readonly url: URL;
  private readonly key: Buffer;
  private readonly allow: AllowList;
  private readonly timeoutMs: number;
  private readonly stateTopic: string;
  /** The URL as it may be shown (no query): in statuses, errors and logs. */
  private readonly shown: string;
  private readonly resolve: Resolver;

  private constructor(private readonly host: WebhookHost, private readonly options: WebhookOptions, state: WebhookState) {
    this.url = parseWebhookUrl(options.url);
    this.shown = shownUrl(this.url);
    this.resolve = options.resolve ?? systemResolver;
    this.key = secretKey(options.secret);
    this.allow = new AllowList(options.allow);
    this.timeoutMs = toMillis(options.timeout ?? 10_000, 'timeout');
    this.stateTopic = options.stateTopic ?? 'webhooks';
    this.current = state;
  }

  /** Checks the options and the target, reads the endpoint's recorded state, and starts sending unless it is disabled. */
  static async start(host: WebhookHost, options: WebhookOptions): Promise<Webhook> {
    if (typeof options !== 'object' || options === null) throw invalidArgument('webhook options must be an object', { field: 'options' });
    assertTopic(options.topic);
    assertGroup(`webhook-${String(options.name)}`);
    const hook = new Webhook(host, options, { state: 'active' });
    assertTopic(hook.stateTopic);
    await resolveTarget(hook.url, hook.allow, hook.resolve);
    hook.current = (await readWebhookStates(host, hook.stateTopic)).get(options.name) ?? { state: 'active' };
    if (hook.current.state === 'active') hook.run();
    return hook;
  }

  status(): WebhookStatus {
    const { name, topic } = this.options;
    return { name, topic, url: this.shown, ...this.current };
  }

  /** Records the endpoint as disabled and stops sending; undelivered events wait in its group. */
  async disable(reason: string): Promise<void> {
    if (this.current.state === 'disabled') return;
    this.current = { state: 'disabled', reason };
    // The status as disabled now: `enable()` may run while the state is being recorded.
    const status = this.status();
    const sub = this.sub;
    this.sub = undefined;
    await recordWebhookState(this.host, this.stateTopic, this.options.name, this.current);
    this.options.onDisabled?.(status);
    void sub?.close();
  }

  /** Records the endpoint as enabled and sends again from where its group stopped. */
  async enable(): Promise<void> {
    if (this.current.state === 'active') return;
    this.current = { state: 'active' };
    await recordWebhookState(this.host, this.stateTopic, this.options.name, this.current);
    this.run();
  }

  async close(): Promise<void> {
    const sub = this.sub;
    this.sub = undefined;
    await sub?.close();
  }

  private run(): void {
    const { topic, name, from, concurrency, maxAttempts, backoff, onError } = this.options;
    const options: SubscribeOptions = { group: `webhook-${name}`, name: `webhook ${name}` };
    if (from !== undefined) options.from = from;
    if (concurrency !== undefined) options.concurrency = concurrency;
    if (maxAttempts !== undefined) options.maxAttempts = maxAttempts;
    if (backoff !== undefined) options.backoff = backoff;
    if (onError !== undefined) options.onError = onError;
    this.sub = this.host.subscribe(topic, options, (event, ctx) => this.send(event, ctx.signal));
  }

  private async send(event: CloudEvent, signal: AbortSignal): Promise<void> {
    const shown = this.shown;
    // Resolved and checked on every attempt: the name may point elsewhere since the last one.
    const target = await resolveTarget(this.url, this.allow, this.resolve);
    const body = JSON.stringify(event);
    const headers = {
      'content-type': 'application/cloudevents+json; charset=utf-8',
      'user-agent': 'herald-webhooks',
      ...signWebhook(this.key, event.id, Math.floor(Date.now() / 1000), body),
    };
    // Not AbortSignal.any: each signal derived from the subscription's long-lived one stays
    // registered on it (Node 20, reliability row R13); a linked signal is released after the request.
    const linked = linkedSignal(signal);
    const timer = setTimeout(() => linked.abort(new HeraldError('HERALD_E_TIMEOUT', `no answer within ${this.timeoutMs} ms`)), this.timeoutMs);
    let reply: { status: number; location?: string };
    try {
      reply = await postOnce(target, headers, body, linked.signal);
    } catch (cause) {
      throw new HeraldError('HERALD_E_WEBHOOK_FAILED', `the webhook ${shown} could not be reached: ${(cause as Error).message}`, { cause, details: { url: shown } });
    } finally {
      clearTimeout(timer);
      linked.dispose();
    }
    const { status } = reply;
    if (status >= 200 && status < 300) return;
    if (status === 410) {
      await this.disable('the endpoint answered 410 Gone');
      throw new HeraldError('HERALD_E_WEBHOOK_FAILED', `the webhook ${shown} answered 410 Gone: the endpoint is disabled`, { details: { url: shown, status } });
    }
    if (status >= 300 && status < 400) {
      throw new HeraldError('HERALD_E_WEBHOOK_FAILED', `the webhook ${shown} answered a redirect (${status}), which is not followed: point the endpoint at its final URL`, {
        retryable: false, details: { url: shown, status },
      });
    }
    const retryable = status >= 500 || RETRIED_STATUSES.has(status);
    throw new HeraldError('HERALD_E_WEBHOOK_FAILED', `the webhook ${shown} answered ${status}`, { retryable, details: { url: shown, status } });
  }
}

/** Starts a webhook endpoint on a Herald (events as its handlers see them) or on a bare log: see `Webhook`. */
export function startWebhook(on: WebhookHost | EventLog, options: WebhookOptions): Promise<Webhook> {
  return Webhook.start(isHost(on) ? on : hostOf(on), options);
}
