import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planCommit, planRegister, samePosition, type CheckpointRecord, type CommitRequest } from './projection-store.js';

const record = (version: number, role: CheckpointRecord['role'], position: Record<string, number> = {}): CheckpointRecord =>
  ({ name: 'p', version, source: 'topics:orders', position, applied: 0, role, updatedAt: 0 });
const request = (over: Partial<CommitRequest> = {}): CommitRequest =>
  ({ name: 'p', version: 1, expected: {}, next: { orders: 5 }, applied: 5, activate: false, now: 9, ...over });

describe('planRegister', () => {
  it('makes the first version active and a newer one building beside it', () => {
    assert.deepEqual(planRegister([], 1, 'topics:orders'), { create: 'active' });
    assert.deepEqual(planRegister([record(1, 'active')], 2, 'topics:orders'), { create: 'building' });
  });

  it('returns an existing record and refuses a changed source or a version older than the active one', () => {
    const existing = record(1, 'active', { orders: 3 });
    assert.equal(planRegister([existing], 1, 'topics:orders'), existing);
    assert.throws(() => planRegister([existing], 1, 'topics:payments'), { code: 'HERALD_E_INVALID_ARGUMENT' });
    assert.throws(() => planRegister([record(2, 'active')], 1, 'topics:orders'), { code: 'HERALD_E_INVALID_ARGUMENT' });
  });
});

describe('planCommit', () => {
  it('moves the checkpoint only from the expected position (compare-and-set)', () => {
    const ok = planCommit([record(1, 'active')], request());
    assert.equal(ok.outcome, 'ok');
    assert.deepEqual(ok.updates.map((r) => [r.version, r.position, r.applied, r.updatedAt]), [[1, { orders: 5 }, 5, 9]]);
    assert.deepEqual(planCommit([record(1, 'active', { orders: 2 })], request()), { outcome: 'moved', updates: [] });
  });

  it('switches atomically: the building version becomes active and the active one retires', () => {
    const plan = planCommit([record(1, 'active', { orders: 9 }), record(2, 'building')], request({ version: 2, activate: true }));
    assert.equal(plan.outcome, 'ok');
    assert.deepEqual(plan.updates.map((r) => [r.version, r.role]), [[2, 'active'], [1, 'retired']]);
  });

  it('stops a retired or dropped version and a version a newer active one superseded', () => {
    assert.equal(planCommit([record(1, 'retired')], request()).outcome, 'retired');
    assert.equal(planCommit([], request()).outcome, 'retired');
    const plan = planCommit([record(1, 'building'), record(2, 'active')], request());
    assert.equal(plan.outcome, 'superseded');
    assert.deepEqual(plan.updates.map((r) => [r.version, r.role]), [[1, 'retired']]);
  });

  it('clears the last error on success', () => {
    const failing = { ...record(1, 'active'), lastError: { message: 'x', attempts: 1, at: 1 } };
    assert.equal(planCommit([failing], request()).updates[0]!.lastError, undefined);
  });
});

describe('samePosition', () => {
  it('treats a missing key as 0', () => {
    assert.ok(samePosition({}, { orders: 0 }));
    assert.ok(!samePosition({ orders: 1 }, {}));
  });
});
