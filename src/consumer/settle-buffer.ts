import { TickBatcher } from '../core/tick-batcher.js';
import type { EventLog, SettleOutcome, Settlement } from '../log/types.js';

export type SettleResult = SettleOutcome | 'failed';

const ignore = (): void => undefined;

interface Waiting { settlement: Settlement; resolve: (o: SettleResult) => void }

/**
 * Collects settlements and sends them in one call per tick (or when `maxBatch` is reached), so
 * a busy consumer commits its acks in batches rather than once per event. It never rejects:
 * a settle that fails is reported and its lease simply expires, which redelivers the event.
 */
export class SettleBuffer {
  private readonly batcher: TickBatcher<Waiting>;

  constructor(
    private readonly log: EventLog,
    private readonly topic: string,
    private readonly group: string,
    private readonly report: (error: unknown, settlement: Settlement, outcome: 'stale' | 'failed') => void,
    maxBatch = 512,
    /** Called after each batch lands: settled events free their keys, so a consumer may fetch again. */
    private readonly settled: () => void = ignore,
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

  /** Sends what is buffered; resolves when everything added so far is settled. */
  flush(): Promise<void> {
    return this.batcher.flush();
  }

  private async settle(batch: Waiting[]): Promise<void> {
    let outcomes: SettleResult[];
    try {
      outcomes = await this.log.settle(this.topic, this.group, batch.map((b) => b.settlement));
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
}
