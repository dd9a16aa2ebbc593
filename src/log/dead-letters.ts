import type { CloudEvent } from '../core/envelope.js';
import { HeraldError } from '../core/errors.js';
import { deadLetterTopic, isDeadLetterTopic } from './names.js';
import type { DeadLetter, DeadLetterContext } from './shapes.js';
import type { Delivery, EventLog, FailureInfo, StoredEvent } from './types.js';

export type { DeadLetter, DeadLetterContext } from './shapes.js';

/**
 * A dead letter is the original event, unchanged but for one extension attribute, `heralddlq`,
 * holding the failure context as JSON, appended to `<topic>.dlq.<group>`. Inspect, edit, redrive
 * and discard work the same on every backend because they use only the EventLog interface.
 */
const EXTENSION = 'heralddlq';

export function toDeadLetterEvent(delivery: Delivery, error: FailureInfo, handler?: string): CloudEvent {
  const context: DeadLetterContext = {
    topic: delivery.topic, group: delivery.group, position: delivery.position, attempts: delivery.attempt,
    error, failedAt: new Date().toISOString(),
  };
  if (handler !== undefined) context.handler = handler;
  if (typeof delivery.event.traceparent === 'string') context.traceparent = delivery.event.traceparent;
  return { ...delivery.event, [EXTENSION]: JSON.stringify(context) };
}

export function parseDeadLetter(stored: StoredEvent): DeadLetter {
  const raw = stored.event[EXTENSION];
  if (typeof raw !== 'string') {
    throw new HeraldError('HERALD_E_INVALID_ARGUMENT', `event at ${stored.topic}#${stored.position} is not a dead letter`);
  }
  let context: DeadLetterContext;
  try {
    context = JSON.parse(raw) as DeadLetterContext;
  } catch (cause) {
    throw new HeraldError('HERALD_E_CORRUPT', `dead letter at ${stored.topic}#${stored.position} has unreadable failure context`, { cause });
  }
  const { [EXTENSION]: _omit, ...event } = stored.event;
  return { dlqTopic: stored.topic, dlqPosition: stored.position, event, context };
}

/** Dead-letters a delivery: append to the group's DLQ, then ack. A retry after a crash is deduplicated by id. */
export async function deadLetter(log: EventLog, delivery: Delivery, error: FailureInfo, handler?: string): Promise<void> {
  await log.append(deadLetterTopic(delivery.topic, delivery.group), [toDeadLetterEvent(delivery, error, handler)]);
  await log.settle(delivery.topic, delivery.group, [{ kind: 'ack', position: delivery.position, leaseId: delivery.leaseId }]);
}

function assertDlq(dlqTopic: string): void {
  if (!isDeadLetterTopic(dlqTopic)) {
    throw new HeraldError('HERALD_E_INVALID_ARGUMENT', `${dlqTopic} is not a dead-letter topic (<topic>.dlq.<group>)`, { details: { field: 'topic' } });
  }
}

export async function* listDeadLetters(log: EventLog, dlqTopic: string, limit?: number): AsyncIterable<DeadLetter> {
  assertDlq(dlqTopic);
  for await (const stored of log.read(dlqTopic, limit === undefined ? {} : { limit })) yield parseDeadLetter(stored);
}

export async function getDeadLetter(log: EventLog, dlqTopic: string, position: number): Promise<DeadLetter> {
  assertDlq(dlqTopic);
  for await (const stored of log.read(dlqTopic, { from: { position }, limit: 1 })) {
    if (stored.position === position) return parseDeadLetter(stored);
  }
  throw new HeraldError('HERALD_E_NOT_FOUND', `no dead letter at ${dlqTopic}#${position}`);
}

/**
 * Hands a dead letter back to the group that failed it (only that group), optionally edited,
 * then removes it from the DLQ.
 */
export async function redriveDeadLetter(
  log: EventLog, dlqTopic: string, position: number, edit?: (event: CloudEvent) => CloudEvent,
): Promise<DeadLetter> {
  const letter = await getDeadLetter(log, dlqTopic, position);
  const event = edit ? edit(structuredClone(letter.event)) : letter.event;
  await log.requeue(letter.context.topic, letter.context.group, event, letter.context.position);
  await log.deleteEvent(dlqTopic, position);
  return letter;
}

export async function discardDeadLetter(log: EventLog, dlqTopic: string, position: number): Promise<boolean> {
  assertDlq(dlqTopic);
  return log.deleteEvent(dlqTopic, position);
}

/**
 * The same dead letter with its context's topic renamed (a tenant's view of the log shows its own
 * names, so a redrive through that view goes back to the tenant's topic). Other events pass as they are.
 */
export function renameDeadLetterTopic(event: CloudEvent, rename: (topic: string) => string): CloudEvent {
  const raw = event[EXTENSION];
  if (typeof raw !== 'string') return event;
  try {
    const context = JSON.parse(raw) as DeadLetterContext;
    return { ...event, [EXTENSION]: JSON.stringify({ ...context, topic: rename(context.topic) }) };
  } catch {
    return event; // parseDeadLetter reports it when someone reads it as a dead letter
  }
}
