import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HeraldError } from '../core/errors.js';
import type { Decider, DomainEvent } from './decider.js';
import { DeciderSpecification } from './testing.js';

type Event = DomainEvent<'opened', { id: string }> | DomainEvent<'deposited', { amount: number }> | DomainEvent<'closed', Record<string, never>>;
type Command = { type: 'open'; id: string } | { type: 'deposit'; amount: number } | { type: 'close' };
interface Account { open: boolean; balance: number }

const account: Decider<Account, Command, Event> = {
  initialState: () => ({ open: false, balance: 0 }),
  evolve(state, event) {
    switch (event.type) {
      case 'opened': return { ...state, open: true };
      case 'deposited': return { ...state, balance: state.balance + event.data.amount };
      case 'closed': return { ...state, open: false };
    }
  },
  decide(command, state) {
    switch (command.type) {
      case 'open': return state.open ? [] : [{ type: 'opened', data: { id: command.id } }];
      case 'deposit':
        if (!state.open) throw new HeraldError('HERALD_E_INVALID_ARGUMENT', 'the account is not open');
        return [{ type: 'deposited', data: { amount: command.amount } }];
      case 'close': return [{ type: 'closed', data: {} }];
    }
  },
};

const asyncAccount: Decider<Account, Command, Event> = { ...account, decide: async (c, s) => account.decide(c, s) };
const opened: Event = { type: 'opened', data: { id: 'a-1' } };

describe('DeciderSpecification (given / when / then)', () => {
  for (const [name, decider] of [['sync', account], ['async', asyncAccount]] as const) {
    it(`passes when the decider does what is expected (${name} decide)`, async () => {
      const spec = DeciderSpecification.for(decider);
      await spec.when({ type: 'open', id: 'a-1' }).then([opened]);
      await spec.given([opened]).when({ type: 'deposit', amount: 5 }).then([{ type: 'deposited', data: { amount: 5 } }]);
      await spec.given([opened]).when({ type: 'open', id: 'a-1' }).thenNothingHappened();
      await spec.given([]).when({ type: 'deposit', amount: 5 }).thenThrows({ code: 'HERALD_E_INVALID_ARGUMENT' });
      await spec.given([]).when({ type: 'deposit', amount: 5 }).thenThrows(HeraldError);
      await spec.given([]).when({ type: 'deposit', amount: 5 }).thenThrows(/not open/);
      await spec.given([]).when({ type: 'deposit', amount: 5 }).thenThrows();
      await spec.given([opened, { type: 'deposited', data: { amount: 2 } }]).when({ type: 'deposit', amount: 3 }).thenState({ open: true, balance: 5 });
    });

    it(`fails, with an assertion error, when it does not (${name} decide)`, async () => {
      const spec = DeciderSpecification.for(decider);
      await assert.rejects(spec.when({ type: 'open', id: 'a-1' }).then([{ type: 'opened', data: { id: 'other' } }]), assert.AssertionError);
      await assert.rejects(spec.when({ type: 'open', id: 'a-1' }).thenNothingHappened(), assert.AssertionError);
      await assert.rejects(spec.given([opened]).when({ type: 'deposit', amount: 1 }).thenThrows(), assert.AssertionError);
      await assert.rejects(spec.when({ type: 'deposit', amount: 1 }).thenThrows({ code: 'HERALD_E_NOT_FOUND' }), assert.AssertionError);
      await assert.rejects(spec.when({ type: 'deposit', amount: 1 }).then([]), /not open/, 'an unexpected refusal surfaces as itself');
      await assert.rejects(spec.given([opened]).when({ type: 'deposit', amount: 1 }).thenState({ open: true, balance: 2 }), assert.AssertionError);
    });
  }

  it('refuses what is not a decider', () => {
    assert.throws(() => DeciderSpecification.for({ initialState: () => 0 } as unknown as Decider<number, never>), { code: 'HERALD_E_INVALID_ARGUMENT' });
  });
});
