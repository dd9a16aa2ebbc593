import type { CloudEvent } from '../core/envelope.js';
import type { StreamStore } from '../log/streams.js';
import { H, type StartedData } from './history.js';
import { historyId, instanceStream } from './names.js';
import { historyEvent } from './recorder.js';

export interface InstanceRef {
  workflow: string;
  id: string;
  stream: string;
}

export interface StartRecord {
  workflow: string;
  version: number;
  id: string;
  input: unknown;
  parent?: { stream: string; seq: number };
  /** The event that caused the start (a trigger): its correlation is kept. */
  cause?: { topic: string; event: CloudEvent };
}

/**
 * Writes an instance's first event. Idempotent by instance id: the event's id is derived from the
 * instance, so starting it again is an exact retry of the same append and writes nothing.
 */
export async function appendStarted(streams: StreamStore, source: string, start: StartRecord): Promise<InstanceRef & { duplicate: boolean }> {
  const stream = instanceStream(start.workflow, start.id);
  const cause = start.cause?.event;
  const data: StartedData = {
    workflow: start.workflow, id: start.id, version: start.version, input: start.input,
    ...(start.parent ? { parent: start.parent } : {}),
    ...(start.cause ? { trigger: { topic: start.cause.topic, id: start.cause.event.id, type: start.cause.event.type } } : {}),
  };
  const event = historyEvent(stream, source, {
    type: H.started, id: historyId(stream, 'started'), data,
    ...(cause ? { correlationid: cause.correlationid ?? cause.id, causationid: cause.id } : {}),
  });
  const result = await streams.appendToStream(stream, [event], { expectedRevision: 'no_stream' });
  return { workflow: start.workflow, id: start.id, stream, duplicate: result.receipts[0]?.duplicate ?? false };
}
