import { createEvent, assertValidEnvelope, type CloudEvent, type EventInput } from './core/envelope.js';
import type { EventContract } from './core/contract.js';
import { HeraldError } from './core/errors.js';
import type { AppendReceipt, EventLog } from './log/types.js';
import type { PublishHook } from './observability/types.js';

/** Options of a typed publish: everything of the envelope but type and data. */
export type PublishOptions<T = unknown> = Omit<EventInput<T>, 'type' | 'data'>;

/** A contract and its data, or a ready event, or an untyped event input. */
export type Publishable<T = unknown> = { contract: EventContract<T>; data: T; options?: PublishOptions<T> } | CloudEvent | EventInput;

/** Turns a built event into the one appended (PII encryption, claim check, signature: see Governance). */
export type PrepareEvent = (event: CloudEvent, contract?: EventContract<unknown>) => Promise<CloudEvent>;

/** Builds (and validates) the events of a publish; nothing is appended unless all are valid. */
export async function toEvents(items: readonly Publishable[], defaults: { source?: string; inherit?: Partial<EventInput>; prepare?: PrepareEvent } = {}): Promise<CloudEvent[]> {
  return Promise.all(items.map(async (item, index) => {
    try {
      const { prepare } = defaults;
      if ('specversion' in item) { assertValidEnvelope(item); return prepare ? await prepare(item) : item; }
      if ('contract' in item) {
        const event = await item.contract.create(item.data, { ...defaults.inherit, source: defaults.source, ...item.options });
        return prepare ? await prepare(event, item.contract) : event;
      }
      const event = createEvent({ ...defaults.inherit, ...item }, defaults);
      return prepare ? await prepare(event) : event;
    } catch (error) {
      if (error instanceof HeraldError && items.length > 1) {
        throw new HeraldError(error.code, `event ${index}: ${error.message}`, { details: { ...error.details, index } });
      }
      throw error;
    }
  }));
}

/** What handlers get to publish follow-up events that keep the causal chain. */
export interface Publisher {
  publish<T>(topic: string, contract: EventContract<T>, data: T, options?: PublishOptions<T>): Promise<AppendReceipt>;
  publish(topic: string, event: CloudEvent | EventInput): Promise<AppendReceipt>;
}

/** `hook` (the producer instrumentation) wraps each append: it may stamp the event's trace context and count it. */
export function publisher(log: EventLog, source: string | undefined, inherit?: Partial<EventInput>, hook?: PublishHook, prepare?: PrepareEvent): Publisher {
  return {
    async publish(topic: string, what: EventContract<unknown> | CloudEvent | EventInput, data?: unknown, options?: PublishOptions): Promise<AppendReceipt> {
      const item: Publishable = 'schema' in what && 'create' in what ? { contract: what as EventContract<unknown>, data, options: options ?? {} } : (what);
      const [event] = await toEvents([item], { source, ...(inherit ? { inherit } : {}), ...(prepare ? { prepare } : {}) });
      const [receipt] = hook ? await hook(topic, [event!], (events) => log.append(topic, events)) : await log.append(topic, [event!]);
      return receipt!;
    },
  };
}

/**
 * Correlation for an event published because of `cause`: same correlation id, cause as causation.
 * Its trace context is the cause's, unless `traced` (the producer span gives it a context of its own).
 */
export function followUp(cause: CloudEvent, traced = false): Partial<EventInput> {
  const inherit: Partial<EventInput> = { correlationid: cause.correlationid ?? cause.id, causationid: cause.id };
  if (cause.traceparent !== undefined && !traced) inherit.traceparent = cause.traceparent;
  return inherit;
}
