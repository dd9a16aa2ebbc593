import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HeraldError } from '../core/errors.js';
import type { EventLog, SettleOutcome, Settlement } from '../log/types.js';
import { SettleBuffer } from './settle-buffer.js';

const ack = (position: number): Settlement => ({ kind: 'ack', position, leaseId: 1 });
const down = (): HeraldError => new HeraldError('HERALD_E_UNAVAILABLE', 'connection lost');

/** A log whose settle calls fail with what `failures` gives (one per call) and then succeed. */
function harness(failures: (() => unknown)[], retryForMs: number) {
  const calls: Settlement[][] = [];
  const log = {
    settle: async (_topic: string, _group: string, settlements: readonly Settlement[]): Promise<SettleOutcome[]> => {
      calls.push([...settlements]);
      const failure = failures.shift();
      if (failure) throw failure();
      return settlements.map(() => 'ok');
    },
  } as unknown as EventLog;
  const reports: { outcome: string; error: unknown }[] = [];
  const buffer = new SettleBuffer(log, 't', 'g', (error, _s, outcome) => { reports.push({ outcome, error }); }, 512, undefined, retryForMs);
  return { buffer, calls, reports };
}

describe('SettleBuffer', () => {
  it('sends a batch that failed retryably again, until it lands', async () => {
    const { buffer, calls, reports } = harness([down, down], 10_000);
    const outcomes = await Promise.all([buffer.add(ack(1)), buffer.add(ack(2))]);
    assert.deepEqual(outcomes, ['ok', 'ok']);
    assert.equal(calls.length, 3);
    assert.deepEqual(calls[2]!.map((s) => s.position), [1, 2], 'the same batch');
    assert.deepEqual(reports, []);
  });

  it('reports a non-retryable failure at once, without sending it again', async () => {
    const refused = new HeraldError('HERALD_E_CLOSED', 'the log is closed');
    const { buffer, calls, reports } = harness([() => refused], 10_000);
    assert.equal(await buffer.add(ack(1)), 'failed');
    assert.equal(calls.length, 1);
    assert.deepEqual(reports, [{ outcome: 'failed', error: refused }]);
  });

  it('gives up once retryForMs has passed (the lease would be gone anyway)', async () => {
    const { buffer, calls, reports } = harness(Array.from({ length: 100 }, () => down), 300);
    assert.equal(await buffer.add(ack(1)), 'failed');
    assert.ok(calls.length >= 2 && calls.length < 100, `${calls.length} calls: retried, then gave up`);
    assert.equal(reports.length, 1);
  });

  it('does not retry with retryForMs 0, nor after stopRetrying()', async () => {
    const once = harness([down], 0);
    assert.equal(await once.buffer.add(ack(1)), 'failed');
    assert.equal(once.calls.length, 1);
    const stopped = harness([down, down], 10_000);
    stopped.buffer.stopRetrying();
    assert.equal(await stopped.buffer.add(ack(1)), 'failed');
    assert.equal(stopped.calls.length, 1);
  });

  it('keeps batches in order: a later batch waits for the one being retried', async () => {
    const { buffer, calls } = harness([down], 10_000);
    const first = buffer.add(ack(1));
    await new Promise((r) => setImmediate(r));
    const second = buffer.add(ack(2));
    assert.deepEqual(await Promise.all([first, second]), ['ok', 'ok']);
    assert.deepEqual(calls.map((c) => c.map((s) => s.position)), [[1], [1], [2]]);
  });
});
