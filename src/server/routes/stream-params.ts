import type { FastifyRequest } from 'fastify';
import { EXPECTED_REVISION_HEADER, type StreamPage } from '../../client/wire.js';
import { HeraldError, invalidArgument } from '../../core/errors.js';
import { hasStreams, type ExpectedRevision, type RecordedEvent, type SnapshotStore, type StreamStore } from '../../log/streams.js';
import type { EventLog } from '../../log/types.js';
import { integer, single } from '../params.js';
import { queryOf } from '../route.js';

/** What the stream routes read from a request, and how they page. */

export function streamsOf(log: EventLog): StreamStore {
  if (!hasStreams(log)) {
    throw new HeraldError('HERALD_E_UNSUPPORTED', `the ${log.backend} backend keeps no streams: the event store needs one that does (sqlite, memory)`);
  }
  return log.streams;
}

export function snapshotsOf(log: EventLog): SnapshotStore {
  const snapshots = streamsOf(log).snapshots;
  if (!snapshots) throw new HeraldError('HERALD_E_UNSUPPORTED', `the ${log.backend} backend keeps no stream snapshots`);
  return snapshots;
}

/**
 * The `Herald-Expected-Revision` header or `?expectedRevision=`: `no_stream`, `stream_exists`,
 * `any` or a revision (the store refuses anything else, naming `expectedRevision`).
 */
export function expectedRevisionOf(req: FastifyRequest): { expectedRevision?: ExpectedRevision } {
  const sent = req.headers[EXPECTED_REVISION_HEADER];
  const header = Array.isArray(sent) ? sent.join(', ') : sent;
  const query = single(queryOf(req), 'expectedRevision');
  if (header !== undefined && query !== undefined && header !== query) {
    throw invalidArgument(`give the expected revision once: the ${EXPECTED_REVISION_HEADER} header or ?expectedRevision=`, { field: 'expectedRevision' });
  }
  const raw = header ?? query;
  if (raw === undefined) return {};
  return { expectedRevision: /^\d{1,16}$/.test(raw) ? Number(raw) : (raw as ExpectedRevision) };
}

/** `?from=`: a revision or `$all` position >= 0 (absent: the start, or the end when reading backwards). */
export function fromQuery(req: FastifyRequest): number | undefined {
  const raw = single(queryOf(req), 'from');
  if (raw === undefined) return undefined;
  const from = integer(raw);
  if (!(from >= 0)) throw invalidArgument(`from must be an integer >= 0, got ${JSON.stringify(raw)}`, { field: 'from' });
  return from;
}

/** `?direction=forwards|backwards` (the store checks the value). */
export function directionQuery(req: FastifyRequest): { direction?: 'forwards' | 'backwards' } {
  const direction = single(queryOf(req), 'direction');
  return direction === undefined ? {} : { direction: direction as 'forwards' };
}

/** `?tombstone=true|false` (default false). */
export function tombstoneQuery(req: FastifyRequest): boolean {
  const raw = single(queryOf(req), 'tombstone');
  if (raw === undefined || raw === 'false') return false;
  if (raw === 'true') return true;
  throw invalidArgument(`tombstone must be true or false, got ${JSON.stringify(raw)}`, { field: 'tombstone' });
}

/**
 * Reads one page; `next` is where the following page starts (the revision or position after the
 * last event, in the read's direction), or null when the read ended before `limit`.
 */
export async function pageOf(
  events: AsyncIterable<RecordedEvent>, limit: number, direction: 'forwards' | 'backwards' | undefined, at: (e: RecordedEvent) => number,
): Promise<StreamPage> {
  const page: RecordedEvent[] = [];
  for await (const e of events) page.push(e);
  const last = page.at(-1);
  if (page.length < limit || last === undefined) return { events: page, next: null };
  const next = direction === 'backwards' ? at(last) - 1 : at(last) + 1;
  return { events: page, next: next >= 1 ? next : null };
}
