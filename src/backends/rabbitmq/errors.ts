import { HeraldError } from '../../core/errors.js';

/** The URL with any password replaced, fit for error messages and logs. */
export function redactUrl(url: string): string {
  return url.replace(/^(amqps?:\/\/)([^:@/]*):[^@/]*@/, '$1$2:***@');
}

/** A broker failure as herald's retryable HERALD_E_UNAVAILABLE, naming the (redacted) server and the cause. */
export function unavailable(url: string, what: string, cause: unknown): HeraldError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  // amqplib's messages may quote the URL it was given: never pass a password on.
  const safe = reason.split(url).join(redactUrl(url));
  return new HeraldError('HERALD_E_UNAVAILABLE', `RabbitMQ at ${redactUrl(url)}: ${what}: ${safe}`, { cause });
}

export function closedError(): HeraldError {
  return new HeraldError('HERALD_E_CLOSED', 'the log is closed');
}

/** What a call on a topic gets once the topic's control stream says it is being deleted: retry, on the topic made again. */
export function topicDeleted(topic: string): HeraldError {
  return new HeraldError('HERALD_E_UNAVAILABLE', `topic ${topic} was deleted meanwhile: retry the call`, { details: { topic, deleted: true } });
}

export function isTopicDeleted(error: unknown): boolean {
  return error instanceof HeraldError && error.details?.deleted === true;
}
