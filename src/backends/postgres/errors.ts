import { HeraldError, type ErrorCode } from '../../core/errors.js';

/**
 * Maps node-postgres failures to herald's catalogue. SQLSTATE classes: 08 connection exception,
 * 57P01-57P03 shutdown / cannot connect now, 53300 too many connections, 53100 disk full,
 * 40001 / 40P01 serialization failure / deadlock. Socket errors come as errno names.
 */
const SQLSTATES: ReadonlyArray<[prefix: string, code: ErrorCode]> = [
  ['08', 'HERALD_E_UNAVAILABLE'],
  ['57P01', 'HERALD_E_UNAVAILABLE'],
  ['57P02', 'HERALD_E_UNAVAILABLE'],
  ['57P03', 'HERALD_E_UNAVAILABLE'],
  ['53300', 'HERALD_E_UNAVAILABLE'],
  ['53100', 'HERALD_E_STORAGE_FULL'],
  ['40001', 'HERALD_E_BUSY'],
  ['40P01', 'HERALD_E_BUSY'],
  ['55P03', 'HERALD_E_BUSY'],
];
const ERRNO = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE']);

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Messages node-postgres gives for a lost or refused connection (no SQLSTATE, no errno). */
const CONNECTION_LOST = /Query read timeout|Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|not queryable/i;

/** The HeraldError for a failure of the driver while `doing`; `where` is the redacted server URL. */
export function fromPg(error: unknown, doing: string, where: string): unknown {
  if (error instanceof HeraldError) return error;
  const code = codeOf(error);
  let herald: ErrorCode | undefined;
  if (code !== undefined) herald = ERRNO.has(code) ? 'HERALD_E_UNAVAILABLE' : SQLSTATES.find(([prefix]) => code.startsWith(prefix))?.[1];
  else if (CONNECTION_LOST.test(messageOf(error))) herald = 'HERALD_E_UNAVAILABLE';
  if (herald === undefined) return error;
  return new HeraldError(herald, `postgres: ${doing} failed at ${where}: ${messageOf(error)}${code === undefined ? '' : ` (${code})`}`, {
    details: { server: where, ...(code === undefined ? {} : { pgCode: code }) },
    cause: error,
  });
}
