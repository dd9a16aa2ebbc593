import type { StoredEvent } from './wire.js';

/** What the event browser looks for. The server filters by type and start time; the rest is checked here. */
export interface EventFilter {
  topic: string;
  types: string[];
  subject?: string;
  correlation?: string;
  /** ms since epoch */
  from?: number;
  to?: number;
}

export function filterFromParams(params: URLSearchParams): EventFilter {
  const time = (name: string): number | undefined => {
    const raw = params.get(name);
    const ms = raw ? Date.parse(raw) : NaN;
    return Number.isFinite(ms) ? ms : undefined;
  };
  const filter: EventFilter = {
    topic: params.get('topic') ?? '',
    types: (params.get('type') ?? '').split(',').map((t) => t.trim()).filter(Boolean),
  };
  const subject = params.get('subject');
  const correlation = params.get('correlation');
  const from = time('from');
  const to = time('to');
  if (subject) filter.subject = subject;
  if (correlation) filter.correlation = correlation;
  if (from !== undefined) filter.from = from;
  if (to !== undefined) filter.to = to;
  return filter;
}

export function matches(filter: EventFilter, stored: StoredEvent): boolean {
  const e = stored.event;
  if (filter.types.length > 0 && !filter.types.includes(e.type)) return false;
  if (filter.subject !== undefined && e.subject !== filter.subject) return false;
  if (filter.correlation !== undefined && e.correlationid !== filter.correlation && e.id !== filter.correlation) return false;
  if (filter.from !== undefined && stored.appendedAt < filter.from) return false;
  if (filter.to !== undefined && stored.appendedAt > filter.to) return false;
  return true;
}

/** The read query for the next page: from a position, or from the filter's start time. */
export function readQuery(filter: EventFilter, next: number | undefined, limit: number): string {
  const query = new URLSearchParams({ limit: String(limit) });
  if (next !== undefined) query.set('from', String(next));
  else if (filter.from !== undefined) query.set('time', String(filter.from));
  else query.set('from', 'earliest');
  for (const t of filter.types) query.append('type', t);
  return query.toString();
}
