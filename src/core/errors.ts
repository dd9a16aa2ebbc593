/**
 * The one error catalogue. Every error herald throws is a HeraldError with a stable code from
 * this table; `docs/errors.md` lists the same codes (a unit test keeps the two in sync).
 * `retryable` tells a caller whether trying the same call again may succeed.
 */
export const ERROR_CATALOGUE = {
  HERALD_E_INVALID_EVENT: { retryable: false, summary: 'An event failed validation; the message names the field.' },
  HERALD_E_INVALID_ARGUMENT: { retryable: false, summary: 'An API argument is malformed (topic name, option, position).' },
  HERALD_E_NOT_FOUND: { retryable: false, summary: 'The topic, group, event or dead letter does not exist.' },
  HERALD_E_STALE_LEASE: { retryable: false, summary: 'An ack or nack came after its lease expired and the event was handed to another consumer.' },
  HERALD_E_UNSUPPORTED: { retryable: false, summary: 'The backend cannot give the guarantee or feature that was asked for.' },
  HERALD_E_CLOSED: { retryable: false, summary: 'The log or subscription was closed.' },
  HERALD_E_STORAGE_FULL: { retryable: true, summary: 'The disk is full; nothing was acknowledged. Free space and retry.' },
  HERALD_E_STORAGE_IO: { retryable: false, summary: 'A write or sync failed; the log stops accepting writes (fail-stop).' },
  HERALD_E_CORRUPT: { retryable: false, summary: 'Stored data failed an integrity check; herald refuses to serve it.' },
  HERALD_E_BUSY: { retryable: true, summary: 'The store is locked by another writer; retry shortly.' },
  HERALD_E_TIMEOUT: { retryable: true, summary: 'An operation or handler took longer than its limit.' },
  HERALD_E_HANDLER_FAILED: { retryable: true, summary: 'A consumer handler threw; the event is retried or dead-lettered.' },
  HERALD_E_NON_RETRYABLE: { retryable: false, summary: 'A handler declared its failure permanent; the event goes to the dead-letter topic at once.' },
  HERALD_E_UNAUTHENTICATED: { retryable: false, summary: 'The request carried no valid credentials (a missing, malformed, unknown or revoked API key, or an invalid or expired token).' },
  HERALD_E_FORBIDDEN: { retryable: false, summary: 'The credentials are valid but do not allow this action on this topic.' },
  HERALD_E_RATE_LIMITED: { retryable: true, summary: 'Too many requests or streams for this key; retry after the time the server names.' },
  HERALD_E_TOO_LARGE: { retryable: false, summary: 'The request body or a message is larger than the server accepts.' },
  HERALD_E_UNAVAILABLE: { retryable: true, summary: 'The server is starting or shutting down; retry shortly, possibly on another replica.' },
  HERALD_E_WRONG_REVISION: { retryable: false, summary: 'A stream append or delete expected another revision; `details.actualRevision` has the real one. Reload and decide again.' },
  HERALD_E_STREAM_DELETED: { retryable: false, summary: 'The stream was tombstoned; it can never be written again.' },
  HERALD_E_NONDETERMINISTIC: { retryable: false, summary: 'A workflow\'s code no longer matches its recorded history (a step renamed, added or moved, or its version not registered); the message names the recorded and the current step.' },
  HERALD_E_WORKFLOW_FAILED: { retryable: false, summary: 'A workflow step, child workflow or instance failed for good; `details` carry the recorded error.' },
  HERALD_E_CANCELLED: { retryable: false, summary: 'The workflow instance was cancelled.' },
  HERALD_E_INCOMPATIBLE_SCHEMA: { retryable: false, summary: 'A schema breaks the compatibility mode of its event type; `details.reasons` names each breaking change (field removed, type narrowed, required added...).' },
  HERALD_E_BAD_SIGNATURE: { retryable: false, summary: 'An event\'s signature is missing where required, malformed, from a key not allowed, or does not verify, or its timestamp is outside the tolerance window.' },
  HERALD_E_REPLAYED: { retryable: false, summary: 'A signed event with this id was already accepted within the replay window; it is not accepted twice.' },
  HERALD_E_TARGET_REFUSED: { retryable: false, summary: 'A webhook URL resolves to an address that is not public (loopback, private, link-local, metadata service...) and is not on the allow list; nothing is sent there.' },
  HERALD_E_WEBHOOK_FAILED: { retryable: true, summary: 'A webhook endpoint did not answer 2xx (`details.status`) or could not be reached; 5xx, 408, 429 and network errors are retried, other replies and redirects (never followed) are not.' },
} as const satisfies Record<string, { retryable: boolean; summary: string }>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

export interface HeraldErrorOptions {
  /** Overrides the catalogue's default. */
  retryable?: boolean;
  /** Structured, secret-free facts about the failure (field paths, positions...). */
  details?: Record<string, unknown>;
  cause?: unknown;
}

export class HeraldError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: HeraldErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'HeraldError';
    this.code = code;
    this.retryable = options.retryable ?? ERROR_CATALOGUE[code].retryable;
    this.details = options.details ?? {};
  }

  toJSON(): { code: ErrorCode; message: string; retryable: boolean; details: Record<string, unknown> } {
    return { code: this.code, message: this.message, retryable: this.retryable, details: this.details };
  }
}

export function isHeraldError(error: unknown, code?: ErrorCode): error is HeraldError {
  return error instanceof HeraldError && (code === undefined || error.code === code);
}

/**
 * Thrown by a handler to say "retrying will not help" (like Temporal's nonRetryable):
 * the consumer runtime dead-letters the event without further attempts.
 */
export class NonRetryableError extends HeraldError {
  constructor(message: string, options: Omit<HeraldErrorOptions, 'retryable'> = {}) {
    super('HERALD_E_NON_RETRYABLE', message, { ...options, retryable: false });
    this.name = 'NonRetryableError';
  }
}

export function invalidArgument(message: string, details?: Record<string, unknown>): HeraldError {
  return new HeraldError('HERALD_E_INVALID_ARGUMENT', message, details ? { details } : {});
}

/** A promise rejected with `error` as caught (an `async` function's throw, without its promise hops). */
export function rejectWith<T>(error: unknown): Promise<T> {
  // What was caught is passed on unchanged, as an async function would; it is not ours to wrap.
  // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
  return new Promise<T>((_resolve, reject) => { reject(error); });
}
