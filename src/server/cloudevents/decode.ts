import type { IncomingHttpHeaders } from 'node:http';
import { envelopeIssues, type CloudEvent } from '../../core/envelope.js';
import { HeraldError } from '../../core/errors.js';
import { parseJson } from '../safe-json.js';
import { fromBinary, isBinaryMode } from './binary.js';
import { BATCH, STRUCTURED, mediaType } from './media.js';

export type Mode = 'binary' | 'structured' | 'batch';

export interface IndexedIssue { index: number; path: string; message: string }

/** Most events in one batch request. */
export const MAX_BATCH = 10_000;

/**
 * The events of a publish request in any of the three modes of the CloudEvents HTTP binding.
 * Every event is checked before any is accepted: one HERALD_E_INVALID_EVENT lists each failing
 * event's index and field (`details.issues`), so a batch is all-or-nothing.
 */
export function decodeCloudEvents(headers: IncomingHttpHeaders, body: Buffer | undefined): { mode: Mode; events: CloudEvent[] } {
  refuseContentEncoding(headers['content-encoding']);
  const type = mediaType(headers['content-type']);
  let mode: Mode;
  let candidates: unknown[];
  if (type === BATCH) {
    mode = 'batch';
    const parsed = parseJson(body ?? '', 'body');
    if (!Array.isArray(parsed)) throw invalid('a batch must be a JSON array of events', [{ index: -1, path: '', message: 'not an array' }]);
    if (parsed.length > MAX_BATCH) {
      throw new HeraldError('HERALD_E_TOO_LARGE', `a batch holds at most ${MAX_BATCH} events, got ${parsed.length}`, { details: { field: 'body' } });
    }
    candidates = parsed;
  } else if (type === STRUCTURED) {
    mode = 'structured';
    candidates = [parseJson(body ?? '', 'body')];
  } else if (isBinaryMode(headers)) {
    mode = 'binary';
    candidates = [fromBinary(headers, body)];
  } else {
    throw new HeraldError('HERALD_E_INVALID_ARGUMENT',
      `not a CloudEvent: send ce-* headers (binary mode), or a body of type ${STRUCTURED} or ${BATCH}`, { details: { field: 'content-type', status: 415 } });
  }
  const issues: IndexedIssue[] = [];
  candidates.forEach((candidate, index) => {
    for (const issue of envelopeIssues(candidate)) issues.push({ index, ...issue });
  });
  if (issues.length > 0) {
    const text = issues.slice(0, 20).map((i) => `${mode === 'batch' ? `events[${i.index}]` : 'event'}${i.path ? `.${i.path}` : ''}: ${i.message}`).join('; ');
    throw invalid(`invalid ${mode === 'batch' ? 'events' : 'event'}: ${text}${issues.length > 20 ? `; and ${issues.length - 20} more` : ''}`, issues);
  }
  return { mode, events: candidates as CloudEvent[] };
}

/**
 * herald never inflates a request body (a zip bomb is refused, not expanded): a coding other
 * than `identity` is 415, rather than binary mode storing the compressed bytes as if they were
 * the data, or a JSON parse error that hides the cause.
 */
function refuseContentEncoding(value: string | undefined): void {
  if (value === undefined) return;
  const codings = value.split(',').map((c) => c.trim().toLowerCase()).filter((c) => c.length > 0 && c !== 'identity');
  if (codings.length === 0) return;
  throw new HeraldError('HERALD_E_INVALID_ARGUMENT', `Content-Encoding ${JSON.stringify(value.slice(0, 100))} is not supported: send the body uncompressed`, {
    details: { field: 'content-encoding', status: 415 },
  });
}

function invalid(message: string, issues: IndexedIssue[]): HeraldError {
  return new HeraldError('HERALD_E_INVALID_EVENT', message, { details: { issues: issues.slice(0, 1000) } });
}
