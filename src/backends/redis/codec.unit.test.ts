import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { settleArgs } from './codec.js';

describe('redis: settle arguments', () => {
  it('acks go as runs of one lease, in settlement order, without JSON', () => {
    const acks = [[7, 1], [7, 2], [8, 3], [7, 4]].map(([leaseId, position]) => ({ kind: 'ack' as const, leaseId: leaseId!, position: position! }));
    assert.deepEqual(settleArgs('g', 5, acks), ['g', 5, 'A7:1,2;8:3;7:4']);
  });

  it('anything else, or a lease id the runs cannot carry, goes as JSON', () => {
    const nack = { kind: 'nack' as const, leaseId: 7, position: 1, delayMs: 10 };
    assert.deepEqual(JSON.parse(String(settleArgs('g', 5, [nack])[2])), [['nack', 1, 7, 10, '']]);
    assert.deepEqual(JSON.parse(String(settleArgs('g', 5, [{ kind: 'ack', leaseId: -1, position: 2 }])[2])), [['ack', 2, -1, 0, '']]);
  });
});
