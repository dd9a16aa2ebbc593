import type { EventContract } from '../core/contract.js';
import type { CloudEvent } from '../core/envelope.js';
import { invalidArgument, isHeraldError } from '../core/errors.js';
import { assertExpectedRevision, assertNonNegativeInt, assertStreamName, streamDeleted } from '../log/stream-checks.js';
import type { ExpectedRevision, StreamStore } from '../log/streams.js';
import { decryptPii, encryptPii } from '../security/pii.js';
import type { SubjectKeyStore } from '../security/subject-keys.js';
import type { Decider, DomainEvent } from './decider.js';
import { fromCloudEvent, toCloudEvents, toDomainEvent, type EventEnvelope } from './decider-events.js';
import { loadSnapshot, resolveSnapshots, saveSnapshotIfDue, type ResolvedSnapshots, type SnapshotOptions } from './snapshot.js';
import { EventContracts } from './upcast.js';

export interface CommandHandlerOptions<State> {
  /** The contracts of every event type the stream holds: new events are made and validated by them, stored ones upcast. */
  contracts: EventContracts | readonly EventContract[];
  /** Attempts after a HERALD_E_WRONG_REVISION, each with a fresh load (default 3). */
  retries?: number;
  /**
   * Append only if the stream is at this revision (the one the caller saw, e.g. from a form): a
   * conflict is then the caller's to resolve and is not retried. Default: the revision loaded.
   */
  expectedRevision?: ExpectedRevision;
  /** Envelope fields for every new event: source, subject, correlationid, causationid, traceparent, key... */
  envelope?: EventEnvelope;
  snapshots?: SnapshotOptions<State>;
  /**
   * Encrypt the contracts' `pii` fields per data subject before appending and decrypt them on
   * load, as the facade does (docs/governance.md). Streams whose contracts have `pii` then take
   * no snapshots: a snapshot keeps decrypted state, which forgetting a subject could not reach.
   */
  pii?: { keys: SubjectKeyStore };
}

export interface CommandResult<State, Event> {
  newState: State;
  /** The events appended, as stored (after their contracts' validation); empty when `decide` returned none. */
  newEvents: Event[];
  /** The stream's revision after the command (the loaded one when nothing was appended). */
  revision: number;
  /** `$all` position of the last new event; undefined when nothing was appended. */
  globalPosition: number | undefined;
  /** How many times the command was decided again after a concurrent append. */
  retries: number;
}

/** A stream folded into its decider's state, and the revision to expect when appending after it. */
export interface LoadedState<State> {
  state: State;
  revision: number;
  expected: ExpectedRevision;
}

/**
 * Loads, decides, appends: folds the stream (from its latest snapshot, when snapshots are on) with
 * `evolve`, calls `decide`, and appends the new events expecting the revision it loaded. When
 * another writer got there first (HERALD_E_WRONG_REVISION), it loads again and decides again, up to
 * `retries` times, then throws that error. `decide` may throw to refuse the command: nothing is
 * appended and the error is the caller's.
 */
export async function handleCommand<State, Command, Event extends DomainEvent>(
  store: StreamStore, stream: string, command: Command, decider: Decider<State, Command, Event>, options: CommandHandlerOptions<State>,
): Promise<CommandResult<State, Event>> {
  const o = resolveOptions(store, stream, decider, options);
  for (let attempt = 0; ; attempt++) {
    const loaded = await loadState(store, stream, decider, o.contracts, o.snapshots, o.pii);
    const decided = await decider.decide(command, loaded.state);
    if (!Array.isArray(decided)) throw invalidArgument('decide must return an array of events', { field: 'events' });
    if (decided.length === 0) return { newState: loaded.state, newEvents: [], revision: loaded.revision, globalPosition: undefined, retries: attempt };
    const events = await toCloudEvents(o.contracts, decided as readonly Event[], options.envelope);
    let appended;
    try {
      const stored = o.pii ? await Promise.all(events.map((e) => sealed(o.contracts, e, o.pii!.keys))) : events;
      appended = await store.appendToStream(stream, stored, { expectedRevision: o.expectedRevision ?? loaded.expected });
    } catch (error) {
      if (isHeraldError(error, 'HERALD_E_WRONG_REVISION') && o.expectedRevision === undefined && attempt < o.retries) continue;
      throw error;
    }
    const newEvents = events.map((e) => fromCloudEvent(e) as Event);
    const newState = newEvents.reduce((state, event) => decider.evolve(state, event), loaded.state);
    // Only a state folded from every event up to the new revision may be saved.
    if (o.snapshots && appended.revision === loaded.revision + events.length) await saveSnapshotIfDue(o.snapshots, stream, loaded.revision, appended.revision, newState);
    return { newState, newEvents, revision: appended.revision, globalPosition: appended.globalPosition, retries: attempt };
  }
}

/** A handler bound to one store, decider and options: `(stream, command, overrides?) => result` (envelope fields merge). */
export type CommandHandler<State, Command, Event> = (
  stream: string, command: Command, overrides?: Pick<CommandHandlerOptions<State>, 'expectedRevision' | 'envelope'>,
) => Promise<CommandResult<State, Event>>;

export function commandHandler<State, Command, Event extends DomainEvent>(
  store: StreamStore, decider: Decider<State, Command, Event>, options: CommandHandlerOptions<State>,
): CommandHandler<State, Command, Event> {
  const contracts = EventContracts.of(options?.contracts);
  return (stream, command, overrides = {}) => handleCommand(store, stream, command, decider, {
    ...options,
    contracts,
    ...overrides,
    envelope: { ...options.envelope, ...overrides.envelope },
  });
}

/**
 * The stream folded into state. A tombstoned stream throws HERALD_E_STREAM_DELETED; a soft-deleted
 * one loads as new (`no_stream`). Events are upcast and validated by their contracts first.
 */
export async function loadState<State, Event extends DomainEvent>(
  store: StreamStore, stream: string, decider: Pick<Decider<State, never, Event>, 'initialState' | 'evolve'>,
  contracts: EventContracts, snapshots?: ResolvedSnapshots<State>, pii?: { keys: SubjectKeyStore },
): Promise<LoadedState<State>> {
  const info = await store.streamInfo(stream);
  if (info?.deleted === 'tombstone') throw streamDeleted(stream);
  const snapshot = snapshots ? await loadSnapshot(snapshots, stream, info) : undefined;
  let state = snapshot ? snapshot.state : decider.initialState();
  let last = 0;
  for await (const recorded of store.readStream(stream, snapshot ? { fromRevision: snapshot.revision + 1 } : {})) {
    const opened = pii ? { ...recorded, event: await decryptPii(recorded.event, pii.keys) } : recorded;
    state = decider.evolve(state, (await toDomainEvent(contracts, opened)) as Event);
    last = recorded.revision;
  }
  // Events appended since streamInfo are in the state too; a soft-deleted stream nobody revived loads as new.
  const revision = Math.max(info?.revision ?? 0, last);
  const expected = revision === 0 || (info?.deleted === 'soft' && last === 0) ? 'no_stream' : revision;
  return { state, revision, expected };
}

interface Resolved<State> {
  contracts: EventContracts;
  retries: number;
  expectedRevision: ExpectedRevision | undefined;
  snapshots: ResolvedSnapshots<State> | undefined;
  pii: { keys: SubjectKeyStore } | undefined;
}

/** The event with its contract's `pii` fields encrypted (an event without such a contract as it is). */
function sealed(contracts: EventContracts, event: CloudEvent, keys: SubjectKeyStore): Promise<CloudEvent> {
  const spec = contracts.get(event.type)?.pii;
  return spec ? encryptPii(event, spec, keys) : Promise.resolve(event);
}

function resolveOptions<State>(store: StreamStore, stream: string, decider: object, options: CommandHandlerOptions<State>): Resolved<State> {
  if (typeof store?.appendToStream !== 'function') throw invalidArgument('store must be a StreamStore (log.streams)', { field: 'store' });
  assertStreamName(stream);
  for (const name of ['initialState', 'evolve', 'decide'] as const) {
    if (typeof (decider as Partial<Decider<State, unknown>> | null)?.[name] !== 'function') throw invalidArgument(`decider.${name} must be a function`, { field: `decider.${name}` });
  }
  if (typeof options !== 'object' || options === null) throw invalidArgument('options must be an object with the event contracts', { field: 'options' });
  const retries = options.retries ?? 3;
  assertNonNegativeInt(retries, 'retries');
  if (options.expectedRevision !== undefined) assertExpectedRevision(options.expectedRevision);
  const contracts = EventContracts.of(options.contracts);
  const snapshots = resolveSnapshots(store, options.snapshots);
  const personal = options.pii !== undefined && contracts.types.some((type) => contracts.get(type)?.pii !== undefined);
  return { contracts, retries, expectedRevision: options.expectedRevision, snapshots: personal ? undefined : snapshots, pii: options.pii };
}
