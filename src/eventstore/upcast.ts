import type { EventContract } from '../core/contract.js';
import type { CloudEvent } from '../core/envelope.js';
import { invalidArgument } from '../core/errors.js';
import type { ReadAllOptions, ReadStreamOptions, RecordedEvent, StreamStore } from '../log/streams.js';

/**
 * The contracts of the event types a reader knows, by type. Upcasting happens on read: an event
 * stored at an older `dataversion` comes back at the contract's current version, through the
 * contract's upcasters, and validated (see `defineEvent`'s `upcast`). Nothing stored is rewritten.
 */
export class EventContracts {
  private readonly byType = new Map<string, EventContract>();

  constructor(contracts: readonly EventContract[]) {
    if (!Array.isArray(contracts)) throw invalidArgument('contracts must be an array of event contracts (defineEvent)', { field: 'contracts' });
    contracts.forEach((c: unknown, i) => {
      const contract = c as Partial<EventContract> | null;
      if (typeof contract?.type !== 'string' || typeof contract.decode !== 'function' || typeof contract.create !== 'function') {
        throw invalidArgument(`contracts[${i}] is not an event contract (defineEvent)`, { field: `contracts[${i}]` });
      }
      if (this.byType.has(contract.type)) throw invalidArgument(`contracts[${i}]: two contracts for type ${contract.type}`, { field: `contracts[${i}]` });
      this.byType.set(contract.type, contract as EventContract);
    });
  }

  /** `contracts` as given, or made from an array. */
  static of(contracts: EventContracts | readonly EventContract[]): EventContracts {
    return contracts instanceof EventContracts ? contracts : new EventContracts(contracts);
  }

  get(type: string): EventContract | undefined {
    return this.byType.get(type);
  }

  get types(): string[] {
    return [...this.byType.keys()];
  }

  /** The event at its contract's current version (validated); an event of a type without a contract is returned as it is. */
  async upcast<T extends CloudEvent>(event: T): Promise<T> {
    const contract = this.byType.get(event.type);
    return contract ? ((await contract.decode(event)) as T) : event;
  }

  /** A recorded event with its event upcast. */
  async upcastRecorded(recorded: RecordedEvent): Promise<RecordedEvent> {
    return { ...recorded, event: await this.upcast(recorded.event) };
  }
}

export interface WithContracts {
  contracts: EventContracts | readonly EventContract[];
}

/** `store.readStream`, with every event of a known type upcast to its contract's current version. */
export async function* readStream(store: StreamStore, stream: string, options: ReadStreamOptions & WithContracts): AsyncIterable<RecordedEvent> {
  const { contracts, ...read } = withContracts(options);
  const known = EventContracts.of(contracts);
  for await (const recorded of store.readStream(stream, read)) yield await known.upcastRecorded(recorded);
}

/** `store.readAll`, with every event of a known type upcast to its contract's current version. */
export async function* readAll(store: StreamStore, options: ReadAllOptions & WithContracts): AsyncIterable<RecordedEvent> {
  const { contracts, ...read } = withContracts(options);
  const known = EventContracts.of(contracts);
  for await (const recorded of store.readAll(read)) yield await known.upcastRecorded(recorded);
}

function withContracts<O extends WithContracts>(options: O | undefined): O {
  if (typeof options !== 'object' || options === null) throw invalidArgument('options.contracts is required (the event contracts to upcast with)', { field: 'contracts' });
  return options;
}
