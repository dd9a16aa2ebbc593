import assert from 'node:assert/strict';
import { invalidArgument } from '../core/errors.js';
import type { Decider, DomainEvent } from './decider.js';

/**
 * Given/When/Then for deciders, with no store and no I/O:
 *
 *   await DeciderSpecification.for(order)
 *     .given([{ type: 'order.placed', data: { orderId: 'o-1', total: 42 } }])
 *     .when({ type: 'ship' })
 *     .then([{ type: 'order.shipped', data: { orderId: 'o-1' } }]);
 *
 * `given` events are folded with `evolve` from `initialState()`, `decide` runs on the result, and
 * the decided events are compared deeply (node:assert's deepStrictEqual, so a failure shows a diff).
 * Every `then*` returns a promise (a decider may decide asynchronously): await it.
 */
export interface Given<State, Command, Event> {
  given(events: readonly Event[]): When<State, Command, Event>;
  /** No events yet: a new stream. */
  when(command: Command): Then<State, Event>;
}

export interface When<State, Command, Event> {
  when(command: Command): Then<State, Event>;
}

export interface Then<State, Event> {
  /** `decide` returned exactly these events, in this order. */
  then(expected: readonly Event[]): Promise<void>;
  /** `decide` returned no events. */
  thenNothingHappened(): Promise<void>;
  /**
   * `decide` threw (or rejected). `expected` is checked as node:assert's `rejects` checks it: an
   * error class, a RegExp for the message, a predicate, or an object whose properties must match
   * (`{ code: 'HERALD_E_...' }`). Without it any error passes.
   */
  thenThrows(expected?: assert.AssertPredicate): Promise<void>;
  /** `decide` returned events, and folding them into the state gives `expected`. */
  thenState(expected: State): Promise<void>;
}

export const DeciderSpecification = {
  for<State, Command, Event extends DomainEvent>(decider: Decider<State, Command, Event>): Given<State, Command, Event> {
    for (const name of ['initialState', 'evolve', 'decide'] as const) {
      if (typeof decider?.[name] !== 'function') throw invalidArgument(`decider.${name} must be a function`, { field: `decider.${name}` });
    }
    const given = (events: readonly Event[]): When<State, Command, Event> => ({
      when: (command) => then(decider, events, command),
    });
    return { given, when: (command) => then(decider, [], command) };
  },
};

function then<State, Command, Event extends DomainEvent>(decider: Decider<State, Command, Event>, given: readonly Event[], command: Command): Then<State, Event> {
  if (!Array.isArray(given)) throw invalidArgument('given must be an array of events', { field: 'given' });
  const run = async (): Promise<{ state: State; events: readonly Event[] }> => {
    const state = given.reduce((s, e) => decider.evolve(s, e), decider.initialState());
    const events = await decider.decide(command, state);
    assert.ok(Array.isArray(events), `decide must return an array of events, got ${JSON.stringify(events)}`);
    return { state, events };
  };
  return {
    async then(expected) {
      const { events } = await run();
      assert.deepStrictEqual(events, expected, 'decide returned other events than expected');
    },
    async thenNothingHappened() {
      const { events } = await run();
      assert.deepStrictEqual(events, [], 'decide was expected to return no events');
    },
    async thenThrows(expected) {
      await (expected === undefined ? assert.rejects(run()) : assert.rejects(run(), expected));
    },
    async thenState(expected) {
      const { state, events } = await run();
      assert.deepStrictEqual(events.reduce((s, e) => decider.evolve(s, e), state), expected, 'the state after the decided events differs');
    },
  };
}
