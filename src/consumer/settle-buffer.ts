import type { EventLog, SettleOutcome, Settlement } from '../log/types.js';

export type SettleResult = SettleOutcome | 'failed';

const ignore = (): void => undefined;

/**
 * Collects settlements and sends them in one call per tick (or when `maxBatch` is reached), so
 * a busy consumer commits its acks in batches rather than once per event. It never rejects:
 * a settle that fails is reported and its lease simply expires, which redelivers the event.
 */
export class SettleBuffer {
  private pending: { settlement: Settlement; resolve: (o: SettleResult) => void }[] = [];
  private scheduled = false;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly log: EventLog,
    private readonly topic: string,
    private readonly group: string,
    private readonly report: (error: unknown, settlement: Settlement, outcome: 'stale' | 'failed') => void,
    private readonly maxBatch = 512,
    /** Called after each batch lands: settled events free their keys, so a consumer may fetch again. */
    private readonly settled: () => void = ignore,
  ) {}

  add(settlement: Settlement): Promise<SettleResult> {
    return new Promise((resolve) => { this.push(settlement, resolve); });
  }

  /** `add` for a caller that does not wait for the outcome (a stale one is still reported). */
  send(settlement: Settlement): void {
    this.push(settlement, ignore);
  }

  private push(settlement: Settlement, resolve: (o: SettleResult) => void): void {
    this.pending.push({ settlement, resolve });
    if (this.pending.length >= this.maxBatch) void this.flush();
    else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => void this.flush());
    }
  }

  /** Sends what is buffered; resolves when everything added so far is settled. */
  flush(): Promise<void> {
    this.scheduled = false;
    const batch = this.pending;
    this.pending = [];
    if (batch.length > 0) {
      this.flushing = this.flushing.then(async () => {
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
      });
    }
    return this.flushing;
  }
}
