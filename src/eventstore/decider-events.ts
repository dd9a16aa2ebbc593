import type { CloudEvent, EventInput } from '../core/envelope.js';
import { HeraldError, invalidArgument } from '../core/errors.js';
import type { RecordedEvent } from '../log/streams.js';
import type { DomainEvent } from './decider.js';
import type { EventContracts } from './upcast.js';

/** Envelope fields given to every event a command appends (ids and times are made per event). */
export type EventEnvelope = Omit<EventInput, 'type' | 'data' | 'id' | 'time'>;

/**
 * New domain events as CloudEvents, each made by its contract's `create` (the same path a typed
 * publish takes: the data is validated, `dataversion` set to the contract's version). A type
 * without a contract is refused: what a stream holds must be something a reader can decode.
 */
export async function toCloudEvents(contracts: EventContracts, events: readonly DomainEvent[], envelope: EventEnvelope = {}): Promise<CloudEvent[]> {
  if (!Array.isArray(events)) throw invalidArgument('decide must return an array of events', { field: 'events' });
  return Promise.all(events.map(async (event: unknown, index) => {
    const e = event as Partial<DomainEvent> | null;
    const field = `events[${index}].type`;
    if (typeof e?.type !== 'string') throw invalidArgument(`decide returned no ${field}: a domain event is { type, data }`, { field, index });
    const contract = contracts.get(e.type);
    if (!contract) throw invalidArgument(`decide returned ${field} ${e.type}, which has no contract (known: ${contracts.types.join(', ')})`, { field, index });
    try {
      return await contract.create(e.data, envelope);
    } catch (error) {
      if (error instanceof HeraldError) throw new HeraldError(error.code, `event ${index} of decide: ${error.message}`, { details: { ...error.details, index } });
      throw error;
    }
  }));
}

/** A stored event as its decider sees it: upcast to the current version, validated, as `{ type, data }`. */
export async function toDomainEvent(contracts: EventContracts, recorded: RecordedEvent): Promise<DomainEvent> {
  const { event } = recorded;
  if (!contracts.get(event.type)) {
    throw new HeraldError('HERALD_E_INVALID_EVENT', `stream ${recorded.stream} revision ${recorded.revision} has type ${event.type}, which no contract of this handler knows`, {
      details: { stream: recorded.stream, revision: recorded.revision, type: event.type },
    });
  }
  return fromCloudEvent(await contracts.upcast(event));
}

export function fromCloudEvent(event: CloudEvent): DomainEvent {
  return { type: event.type, data: event.data };
}
