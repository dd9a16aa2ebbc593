import { defineEvent } from '../../../src/core/contract.js';
import type { Decider, EventOf } from '../../../src/eventstore/decider.js';
import { isRecord, schema } from './helpers.js';

/** A small decider for the command-handler tests: a tally that adds positive amounts until closed. */

const positive = (v: unknown): boolean => typeof v === 'number' && v > 0;

/** Version 1 stored `{ n }`; version 2 renamed it to `amount`. */
export const AddedV1 = defineEvent<{ n: number }>({
  type: 'tally.added', version: 1,
  schema: schema((v) => (isRecord(v) && positive(v.n) ? undefined : 'n must be a positive number')),
});
export const Added = defineEvent<{ amount: number }>({
  type: 'tally.added', version: 2,
  schema: schema((v) => (isRecord(v) && positive(v.amount) ? undefined : 'amount must be a positive number')),
  upcast: { 1: (data) => ({ amount: (data as { n: number }).n }) },
});
export const Closed = defineEvent<{ reason: string }>({
  type: 'tally.closed',
  schema: schema((v) => (isRecord(v) && typeof v.reason === 'string' ? undefined : 'reason must be a string')),
});
export const contracts = [Added, Closed];

export type TallyEvent = EventOf<'tally.added', typeof Added> | EventOf<'tally.closed', typeof Closed>;
export type TallyCommand = { type: 'add'; amount: number } | { type: 'close'; reason: string };
export interface Tally { total: number; count: number; closed: boolean }

export const tally: Decider<Tally, TallyCommand, TallyEvent> = {
  initialState: () => ({ total: 0, count: 0, closed: false }),
  evolve(state, event) {
    switch (event.type) {
      case 'tally.added': return { ...state, total: state.total + event.data.amount, count: state.count + 1 };
      case 'tally.closed': return { ...state, closed: true };
    }
  },
  decide(command, state) {
    if (command.type === 'close') return state.closed ? [] : [{ type: 'tally.closed', data: { reason: command.reason } }];
    if (state.closed) throw new Error('the tally is closed');
    return [{ type: 'tally.added', data: { amount: command.amount } }];
  },
};
