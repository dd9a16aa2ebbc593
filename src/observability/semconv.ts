/**
 * The OpenTelemetry attribute names herald's spans and metrics use: the messaging semantic
 * conventions (development status, as of semconv 1.3x), the CloudEvents ones, and herald's own
 * under `messaging.herald.*` (system-specific attributes belong in `messaging.{system}`).
 * Written out here rather than imported, so the library depends on `@opentelemetry/api` alone.
 */
export const MESSAGING_SYSTEM = 'messaging.system';
export const MESSAGING_OPERATION_TYPE = 'messaging.operation.type';
export const MESSAGING_OPERATION_NAME = 'messaging.operation.name';
export const MESSAGING_DESTINATION = 'messaging.destination.name';
export const MESSAGING_CONSUMER_GROUP = 'messaging.consumer.group.name';
export const MESSAGING_MESSAGE_ID = 'messaging.message.id';
export const MESSAGING_CONVERSATION_ID = 'messaging.message.conversation_id';
export const MESSAGING_BATCH_COUNT = 'messaging.batch.message_count';
export const CLOUDEVENTS_TYPE = 'cloudevents.event_type';
export const CLOUDEVENTS_SOURCE = 'cloudevents.event_source';
export const ERROR_TYPE = 'error.type';

export const HERALD_CORRELATION_ID = 'messaging.herald.correlation_id';
export const HERALD_CAUSATION_ID = 'messaging.herald.causation_id';
export const HERALD_ATTEMPT = 'messaging.herald.attempt';
export const HERALD_POSITION = 'messaging.herald.position';
export const HERALD_OUTCOME = 'messaging.herald.outcome';
export const HERALD_HANDLER = 'messaging.herald.handler';
export const HERALD_DUPLICATE = 'messaging.herald.duplicate';
export const HERALD_LOG_OPERATION = 'messaging.herald.log.operation';

/** `messaging.system` of every herald span and metric. */
export const SYSTEM = 'herald';
