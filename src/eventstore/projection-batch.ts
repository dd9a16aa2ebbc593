import type { CloudEvent } from '../core/envelope.js';
import { HeraldError } from '../core/errors.js';
import { projectionContext, type Projection } from './projection.js';
import type { SourcedEvent, SourcePage } from './projection-source.js';

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

/** Applies events through their handlers; throws EventFailure naming the one that threw. */
export function applyEvents<Tx>(projection: Projection<Tx>, version: number, tx: Tx, events: PreparedBatch['events']): void {
  const base = projectionContext(tx, projection.name, version);
  events.forEach(({ source, event }, index) => {
    const entry = projection.byType.get(event.type);
    if (!entry) return; // a type the source's filter let through: passed over, not applied
    try {
      const result: unknown = entry.handle(event as CloudEvent & { data: unknown }, { ...base, record: source.record });
      if (typeof (result as PromiseLike<unknown> | undefined)?.then === 'function') {
        (result as PromiseLike<unknown>).then(undefined, () => undefined); // its outcome no longer matters
        throw new HeraldError('HERALD_E_INVALID_ARGUMENT', `projection ${projection.name}: the ${event.type} handler returned a promise; handlers run inside a transaction and must be synchronous`, { details: { field: 'handlers' } });
      }
    } catch (error) {
      throw new EventFailure(index, source, error);
    }
  });
}
