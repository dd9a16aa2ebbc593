import type { CloudEvent } from '../core/envelope.js';
import { HeraldError } from '../core/errors.js';
import { projectionContext, type Projection } from './projection.js';
import type { SourcedEvent, SourcePage } from './projection-source.js';
import { isPromiseLike } from './projection-then.js';

/** A handler (or a contract's decode) threw on the event at `index` of the batch. */
export class EventFailure extends Error {
  constructor(readonly index: number, readonly event: SourcedEvent, override readonly cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause));
  }
}

export interface PreparedBatch {
  /** Decoded events ready to apply; stops before the first that failed to decode. */
  events: { source: SourcedEvent; event: CloudEvent }[];
  /** Where the checkpoint stands once all of `events` are applied. */
  end: Record<string, number>;
  /** The page's end when the whole page is in `events`. */
  whole: boolean;
  failure?: EventFailure;
}

/** The position after `events`, starting from `from`. */
export function positionAfter(from: Record<string, number>, events: readonly { source: SourcedEvent }[]): Record<string, number> {
  const next = { ...from };
  for (const { source } of events) next[source.key] = source.position;
  return next;
}

/** Decodes a page (async work such as upcasting and validation happens here, outside the transaction). */
export async function prepareBatch<Tx>(projection: Projection<Tx>, page: SourcePage, from: Record<string, number>): Promise<PreparedBatch> {
  const events: PreparedBatch['events'] = [];
  for (const [index, source] of page.events.entries()) {
    const entry = projection.byType.get(source.record.event.type);
    try {
      events.push({ source, event: entry?.decode ? await entry.decode(source.record.event) : source.record.event });
    } catch (error) {
      return { events, end: positionAfter(from, events), whole: false, failure: new EventFailure(index, source, error) };
    }
  }
  return { events, end: page.end, whole: true };
}

/**
 * Applies events through their handlers, in order; throws (or rejects with) an EventFailure naming
 * the one that threw. Synchronous while the handlers are; a handler's promise is awaited before the
 * next event when `allowAsync` (the store's transaction spans awaits), refused otherwise.
 */
export function applyEvents<Tx>(projection: Projection<Tx>, version: number, tx: Tx, events: PreparedBatch['events'], allowAsync = false): void | Promise<void> {
  const base = projectionContext(tx, projection.name, version);
  const applyFrom = (start: number): void | Promise<void> => {
    for (let index = start; index < events.length; index++) {
      const { source, event } = events[index]!;
      const entry = projection.byType.get(event.type);
      if (!entry) continue; // a type the source's filter let through: passed over, not applied
      let result: unknown;
      try {
        result = entry.handle(event as CloudEvent & { data: unknown }, { ...base, record: source.record });
      } catch (error) {
        throw new EventFailure(index, source, error);
      }
      if (!isPromiseLike(result)) continue;
      if (!allowAsync) {
        result.then(undefined, () => undefined); // its outcome no longer matters
        throw new EventFailure(index, source, new HeraldError('HERALD_E_INVALID_ARGUMENT', `projection ${projection.name}: the ${event.type} handler returned a promise; handlers run inside a transaction and must be synchronous`, { details: { field: 'handlers' } }));
      }
      return Promise.resolve(result).then(() => applyFrom(index + 1), (error: unknown) => { throw new EventFailure(index, source, error); });
    }
  };
  return applyFrom(0);
}
