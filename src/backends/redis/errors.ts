import { HeraldError, type ErrorCode } from '../../core/errors.js';

/**
 * Maps Redis and ioredis failures to herald's catalogue. Server replies start with an error code
 * word (`OOM ...`, `READONLY ...`); anything that is not a reply (a refused or lost connection, a
 * timeout) means the server cannot be reached now. Messages never carry the URL's credentials:
 * ioredis names only host and port.
 */
const REPLY_CODES: ReadonlyArray<[prefix: string, code: ErrorCode]> = [
  ['OOM', 'HERALD_E_STORAGE_FULL'],
  ['MISCONF', 'HERALD_E_STORAGE_IO'],
  ['BUSY', 'HERALD_E_BUSY'],
  ['LOADING', 'HERALD_E_UNAVAILABLE'],
  ['READONLY', 'HERALD_E_UNAVAILABLE'],
  ['MASTERDOWN', 'HERALD_E_UNAVAILABLE'],
  ['CLUSTERDOWN', 'HERALD_E_UNAVAILABLE'],
  ['TRYAGAIN', 'HERALD_E_UNAVAILABLE'],
  ['NOAUTH', 'HERALD_E_UNAUTHENTICATED'],
  ['WRONGPASS', 'HERALD_E_UNAUTHENTICATED'],
  ['NOPERM', 'HERALD_E_FORBIDDEN'],
];

function isReply(error: unknown): boolean {
  return error instanceof Error && error.name === 'ReplyError';
}

/** The HeraldError for a failed Redis call, or the error itself when it is not one we know (a bug). */
export function fromRedis(error: unknown, doing: string): unknown {
  if (error instanceof HeraldError || !(error instanceof Error)) return error;
  if (isReply(error)) {
    // Inside a script the reply reads "ERR user_script:12: OOM ..." or "... script: OOM ..."; look for the code word anywhere.
    const hit = REPLY_CODES.find(([word]) => new RegExp(`(^|[\\s:])${word}\\b`).test(error.message));
    if (!hit) return error;
    return new HeraldError(hit[1], `redis: ${doing} failed: ${error.message}`, { cause: error, details: { redisError: hit[0] } });
  }
  return new HeraldError('HERALD_E_UNAVAILABLE', `redis: ${doing} failed, the server is not reachable: ${error.message}`, { cause: error });
}
