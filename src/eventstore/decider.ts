import type { EventData } from '../core/contract.js';

/**
 * A domain event as deciders see it: its type and its data, nothing of the envelope. The command
 * handler turns it into a CloudEvent through the event's contract (which validates it) and back
 * (upcasting old versions), so a decider stays a set of pure functions.
 */
export interface DomainEvent<Type extends string = string, Data = unknown> {
  readonly type: Type;
  readonly data: Data;
}

/** The domain event of a contract, with its type as a literal: `EventOf<'order.placed', typeof OrderPlaced>`. */
export type EventOf<Type extends string, C> = DomainEvent<Type, EventData<C>>;

/**
 * The recommended aggregate style: state is a left fold of the stream's events (`evolve` from
 * `initialState()`), and `decide` turns a command and the current state into new events (or
 * throws to refuse it). All three are pure; the command handler does the I/O.
 */
export interface Decider<State, Command, Event extends DomainEvent = DomainEvent> {
  initialState(): State;
  evolve(state: State, event: Event): State;
  decide(command: Command, state: State): readonly Event[] | Promise<readonly Event[]>;
}

/** `events` folded into `state` with the decider's `evolve`. */
export function evolveAll<State, Event extends DomainEvent>(decider: Pick<Decider<State, never, Event>, 'evolve'>, state: State, events: readonly Event[]): State {
  let s = state;
  for (const event of events) s = decider.evolve(s, event);
  return s;
}
