import { setTimeout as sleep } from 'node:timers/promises';
import { HeraldError } from '../core/errors.js';
import { TickBatcher } from '../core/tick-batcher.js';
import type { EventLog, SettleOutcome, Settlement } from '../log/types.js';
import { backoffDelay } from './backoff.js';

export type SettleResult = SettleOutcome | 'failed';

const ignore = (): void => undefined;

interface Waiting { settlement: Settlement; resolve: (o: SettleResult) => void }

/**
 * Collects settlements and sends them in one call per tick (or when `maxBatch` is reached), so
 * a busy consumer commits its acks in batches rather than once per event. It never rejects.
 *
 * A batch that fails with a retryable error (connection lost, broker restarting) is sent again,
 * with backoff, for up to `retryForMs` (the lease): fencing makes that safe (a settlement whose
 * lease is gone comes back `stale`), and it spares the wait for the leases to run out, which held
 * back every key of the batch for a whole lease after each broker restart (R10). A settle that
 * still fails is reported and its lease simply expires, which redelivers the event.
 */
export class SettleBuffer {
  private readonly batcher: TickBatcher<Waiting>;
  private retrying = true;

  constructor(
    private readonly log: EventLog,
    private readonly topic: string,
    private readonly group: string,
    private readonly report: (error: unknown, settlement: Settlement, outcome: 'stale' | 'failed') => void,
    maxBatch = 512,
    /** Called after each batch lands: settled events free their keys, so a consumer may fetch again. */
    private readonly settled: () => void = ignore,
    /** How long a batch that failed retryably is sent again (0: not at all). */
    private readonly retryForMs = 0,
  ) {
    this.batcher = new TickBatcher((batch) => this.settle(batch), maxBatch);
  }

  add(settlement: Settlement): Promise<SettleResult> {
    return new Promise((resolve) => { this.batcher.add({ settlement, resolve }); });
  }

  /** `add` for a caller that does not wait for the outcome (a stale one is still reported). */
  send(settlement: Settlement): void {
    this.batcher.add({ settlement, resolve: ignore });
  }

  /** No more retries (the subscription is closing: its close must not wait out an outage). */
  stopRetrying(): void {
    this.retrying = false;
  }

  /** Sends what is buffered; resolves when everything added so far is settled. */
  flush(): Promise<void> {
    return this.batcher.flush();
  }

  private async settle(batch: Waiting[]): Promise<void> {
    let outcomes: SettleResult[];
    try {
      outcomes = await this.settleRetrying(batch.map((b) => b.settlement));
    } catch (error) {
      outcomes = batch.map(() => 'failed');
      batch.forEach((b) => this.report(error, b.settlement, 'failed'));
    }
    batch.forEach((b, i) => {
      const outcome = outcomes[i] ?? 'failed';
      if (outcome === 'stale') this.report(undefined, b.settlement, 'stale');
      b.resolve(outcome);
    });
    this.settled();
  }

  private async settleRetrying(settlements: Settlement[]): Promise<SettleOutcome[]> {
    const giveUpAt = Date.now() + this.retryForMs;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.log.settle(this.topic, this.group, settlements);
      } catch (error) {
        const delay = backoffDelay(attempt, { initial: 50, max: 1_000 });
        if (!this.retrying || !(error instanceof HeraldError) || !error.retryable || Date.now() + delay > giveUpAt) throw error;
        await sleep(delay);
      }
    }
  }
}
