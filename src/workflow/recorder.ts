import { createEvent, type CloudEvent, type EventInput } from '../core/envelope.js';
import { isHeraldError } from '../core/errors.js';
import type { RecordedEvent, StreamStore } from '../log/streams.js';
import { INPUT_TYPES, type HistoryEvent } from './history.js';

/** Another runner wrote to the instance meanwhile: this run must stop and start over from the log. */
export class FencedOut extends Error {
  constructor(readonly stream: string) {
    super(`another runner recorded history for ${stream}`);
    this.name = 'FencedOut';
  }
}

export function toHistoryEvent(e: RecordedEvent): HistoryEvent & { id: string; correlationid?: string } {
  return {
    revision: e.revision, at: e.appendedAt, type: e.event.type, data: e.event.data, id: e.event.id,
    ...(e.event.correlationid === undefined ? {} : { correlationid: e.event.correlationid }),
  };
}

export async function loadHistory(streams: StreamStore, stream: string, fromRevision = 1): Promise<RecordedEvent[]> {
  const events: RecordedEvent[] = [];
  for await (const e of streams.readStream(stream, { fromRevision })) events.push(e);
  return events;
}

/** A history event of `stream` (keyed by the stream unless `key` is given). */
export function historyEvent(stream: string, source: string, input: Omit<EventInput, 'subject' | 'source'>): CloudEvent {
  return createEvent({ ...input, subject: stream, source });
}

/**
 * Appends one run's records in order, each expecting the revision the run last saw: that is the
 * fence between two runners of one instance. Inputs appended meanwhile by others (signals,
 * received events, fired timers) do not conflict: the run appends after them, and they make the
 * instance run again. Anything else means another runner is at work: FencedOut.
 */
export class Recorder {
  private chain: Promise<unknown> = Promise.resolve();

  constructor(private readonly streams: StreamStore, readonly stream: string, private revision: number) {}

  append(events: readonly CloudEvent[]): Promise<void> {
    const next = this.chain.then(() => this.appendNow(events));
    this.chain = next.catch(() => undefined);
    return next;
  }

  private async appendNow(events: readonly CloudEvent[]): Promise<void> {
    for (;;) {
      try {
        const result = await this.streams.appendToStream(this.stream, events, { expectedRevision: this.revision });
        this.revision = result.revision;
        return;
      } catch (error) {
        if (!isHeraldError(error, 'HERALD_E_WRONG_REVISION')) throw error;
        const newer = await loadHistory(this.streams, this.stream, this.revision + 1);
        if (newer.length === 0 || newer.some((e) => !INPUT_TYPES.has(e.event.type))) throw new FencedOut(this.stream);
        this.revision = newer.at(-1)!.revision;
      }
    }
  }
}
