import { HeraldError, type ErrorCode } from '../core/errors.js';
import type { ErrorBody } from '../client/wire.js';

/** The HTTP status of each error code. Anything not herald's own is a 500 whose message says nothing more. */
const STATUS: Record<ErrorCode, number> = {
  HERALD_E_INVALID_EVENT: 400,
  HERALD_E_INVALID_ARGUMENT: 400,
  HERALD_E_NOT_FOUND: 404,
  HERALD_E_STALE_LEASE: 409,
  HERALD_E_UNSUPPORTED: 400,
  HERALD_E_CLOSED: 503,
  HERALD_E_STORAGE_FULL: 507,
  HERALD_E_STORAGE_IO: 500,
  HERALD_E_CORRUPT: 500,
  HERALD_E_BUSY: 503,
  HERALD_E_TIMEOUT: 504,
  HERALD_E_HANDLER_FAILED: 500,
  HERALD_E_NON_RETRYABLE: 500,
  HERALD_E_UNAUTHENTICATED: 401,
  HERALD_E_FORBIDDEN: 403,
  HERALD_E_RATE_LIMITED: 429,
  HERALD_E_TOO_LARGE: 413,
  HERALD_E_UNAVAILABLE: 503,
  HERALD_E_WRONG_REVISION: 409,
  HERALD_E_STREAM_DELETED: 410,
  HERALD_E_NONDETERMINISTIC: 409,
  HERALD_E_WORKFLOW_FAILED: 422,
  HERALD_E_CANCELLED: 409,
  HERALD_E_INCOMPATIBLE_SCHEMA: 409,
  HERALD_E_BAD_SIGNATURE: 400,
  HERALD_E_REPLAYED: 409,
  HERALD_E_TARGET_REFUSED: 422,
  HERALD_E_WEBHOOK_FAILED: 502,
};

/** 5xx answers that are part of normal operation (shutdown, a busy store): not logged as faults. */
const EXPECTED_5XX = new Set<ErrorCode>(['HERALD_E_CLOSED', 'HERALD_E_UNAVAILABLE', 'HERALD_E_BUSY', 'HERALD_E_STORAGE_FULL', 'HERALD_E_TIMEOUT']);

export interface HttpError {
  status: number;
  body: ErrorBody;
  /** Set when the error was not one herald made on purpose: log it. */
  unexpected?: unknown;
  retryAfterSeconds?: number;
}

/** fastify's own request errors (body parsing, size), mapped to herald's codes. */
function fromFastify(error: Error & { code?: string; statusCode?: number }): HeraldError | undefined {
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new HeraldError('HERALD_E_TOO_LARGE', 'the request body is larger than the server accepts', { details: { field: 'body' } });
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new HeraldError('HERALD_E_INVALID_ARGUMENT', 'unsupported content-type', { details: { field: 'content-type', status: 415 } });
    default:
      if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
        // Our own messages only: fastify's may quote the request.
        return new HeraldError('HERALD_E_INVALID_ARGUMENT', `malformed request (${String(error.code ?? error.statusCode)})`, { details: { status: error.statusCode } });
      }
      return undefined;
  }
}

export function toHttpError(error: unknown): HttpError {
  const herald = error instanceof HeraldError ? error : error instanceof Error ? fromFastify(error) : undefined;
  if (!herald) {
    return {
      status: 500,
      body: { error: { code: 'HERALD_E_STORAGE_IO', message: 'internal error', retryable: false, details: {} } },
      unexpected: error,
    };
  }
  const override = herald.details.status;
  const status = typeof override === 'number' ? override : (STATUS[herald.code] ?? 500);
  const { status: _status, ...details } = herald.details;
  const out: HttpError = { status, body: { error: { code: herald.code, message: herald.message, retryable: herald.retryable, details } } };
  if (status >= 500 && !EXPECTED_5XX.has(herald.code)) out.unexpected = error;
  const retryAfter = herald.details.retryAfterSeconds;
  if (typeof retryAfter === 'number') out.retryAfterSeconds = retryAfter;
  else if (status === 503) out.retryAfterSeconds = 1;
  return out;
}
