import type { AttemptOutcome } from '../consumer/types.js';
import { createEvent, type CloudEvent } from '../core/envelope.js';
import { TickBatcher } from '../core/tick-batcher.js';
import type { EventLog, StoredEvent } from '../log/types.js';
import { correlationOf } from './trace-context.js';

/**
 * Handler outcomes as events, so a flow's lineage can show what each consumer group did with
 * each event: one `herald.handled` (outcome ok) or `herald.failed` (retry, dead-lettered, stale)
 * event per attempt, in the `herald.outcomes` topic, carrying the handled event's correlation id
 * and the handled event as its cause. Never the event's data.
 */
export const OUTCOMES_TOPIC = 'herald.outcomes';
export const OUTCOME_SOURCE = 'urn:herald:outcomes';
const TYPES = new Set(['herald.handled', 'herald.failed']);
const MAX_MESSAGE = 300;

export interface OutcomeRecord {
  topic: string;
  group: string;
  handler?: string;
  eventId: string;
  eventType: string;
  position: number;
  attempt: number;
  outcome: AttemptOutcome;
  /** When the attempt started (ms since epoch). */
  startedAt: number;
  durationMs: number;
  error?: { message: string; code?: string; name?: string };
}

export function outcomeEvent(handled: CloudEvent, record: OutcomeRecord): CloudEvent<OutcomeRecord> {
  return createEvent({
    type: record.outcome === 'ok' ? 'herald.handled' : 'herald.failed',
    source: OUTCOME_SOURCE,
    correlationid: correlationOf(handled),
    causationid: handled.id,
    data: record,
  });
}

/** The outcome an event of the outcomes topic records, or undefined for anything else. */
export function parseOutcome(stored: StoredEvent): OutcomeRecord | undefined {
  const { event } = stored;
  if (!TYPES.has(event.type) || typeof event.data !== 'object' || event.data === null) return undefined;
  const data = event.data as Partial<OutcomeRecord>;
  if (typeof data.group !== 'string' || typeof data.eventId !== 'string' || typeof data.attempt !== 'number' || typeof data.outcome !== 'string') return undefined;
  return data as OutcomeRecord;
}

/** What is kept of a failure: its message (shortened), code and name; never its stack. */
export function errorSummary(error: unknown): OutcomeRecord['error'] {
  if (error === undefined) return undefined;
  const e = (typeof error === 'object' && error !== null ? error : { message: typeof error === 'string' ? error : JSON.stringify(error) }) as { message?: unknown; code?: unknown; name?: unknown };
  const summary: NonNullable<OutcomeRecord['error']> = { message: (typeof e.message === 'string' ? e.message : 'unknown error').slice(0, MAX_MESSAGE) };
  if (typeof e.code === 'string') summary.code = e.code;
  if (typeof e.name === 'string') summary.name = e.name;
  return summary;
}

/**
 * Appends outcome events in batches (one append per tick), off the handler's path: a failed
 * append is reported and dropped, never retried into the handler's way.
 */
export class OutcomeWriter {
  private readonly batcher: TickBatcher<CloudEvent>;

  constructor(
    private readonly log: EventLog,
    readonly topic: string,
    private readonly onError: (error: unknown) => void,
    maxBatch = 500,
  ) {
    this.batcher = new TickBatcher((batch) => this.write(batch), maxBatch);
  }

  record(handled: CloudEvent, record: OutcomeRecord): void {
    this.batcher.add(outcomeEvent(handled, record));
  }

  /** Writes what is buffered; resolves when everything recorded so far is written (or reported). */
  flush(): Promise<void> {
    return this.batcher.flush();
  }

  private async write(batch: CloudEvent[]): Promise<void> {
    try {
      await this.log.append(this.topic, batch);
    } catch (error) {
      this.onError(error);
    }
  }
}
