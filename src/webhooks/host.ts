import { subscribe } from '../consumer/subscribe.js';
import type { Handler, SubscribeOptions, Subscription } from '../consumer/types.js';
import { createEvent, type EventInput } from '../core/envelope.js';
import type { EventLog, ReadOptions, StoredEvent } from '../log/types.js';

/** What a webhook runs on: a Herald (its governance applies: what handlers see is sent) or a bare log. */
export interface WebhookHost {
  subscribe(topic: string, options: SubscribeOptions, handler: Handler): Subscription;
  read(topic: string, options?: ReadOptions): AsyncIterable<StoredEvent>;
  publish(topic: string, event: EventInput): Promise<unknown>;
}

export function isHost(on: WebhookHost | EventLog): on is WebhookHost {
  return typeof (on as Partial<WebhookHost>).publish === 'function';
}

/** A bare log as a host: events go out as stored. */
export function hostOf(log: EventLog): WebhookHost {
  return {
    subscribe: (topic, options, handler) => subscribe(log, topic, options, handler),
    read: (topic, options) => log.read(topic, options),
    publish: (topic, event) => log.append(topic, [createEvent(event, { source: 'urn:herald:webhooks' })]),
  };
}
