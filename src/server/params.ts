import type { FastifyRequest } from 'fastify';
import { invalidArgument } from '../core/errors.js';
import type { StartFrom } from '../log/types.js';
import { parseJson } from './safe-json.js';

type Query = Record<string, string | string[] | undefined>;

/** A query parameter given at most once. */
export function single(query: Query, name: string): string | undefined {
  const value = query[name];
  if (Array.isArray(value)) throw invalidArgument(`${name} may be given once`, { field: name });
  return value;
}

/** A path or query integer; anything else (or one past 2^53, which would round) becomes NaN so the log's own check names the field. */
export function integer(value: string | undefined): number {
  const n = value !== undefined && /^-?\d{1,16}$/.test(value) ? Number(value) : Number.NaN;
  return Number.isSafeInteger(n) ? n : Number.NaN;
}

/** `?from=earliest|latest|<position>` or `?time=<ms since epoch | RFC 3339>`. */
export function startFromQuery(query: Query): StartFrom | undefined {
  const from = single(query, 'from');
  const time = single(query, 'time');
  if (from !== undefined && time !== undefined) throw invalidArgument('give from or time, not both', { field: 'from' });
  if (time !== undefined) {
    const ms = /^\d+$/.test(time) ? Number(time) : Date.parse(time);
    if (!Number.isFinite(ms)) throw invalidArgument('time must be milliseconds since the epoch or an RFC 3339 timestamp', { field: 'time' });
    return { time: ms };
  }
  if (from === undefined) return undefined;
  if (from === 'earliest' || from === 'latest') return from;
  const position = integer(from);
  if (!(position >= 1)) throw invalidArgument(`from must be earliest, latest or a position >= 1, got ${JSON.stringify(from)}`, { field: 'from' });
  return { position };
}

/** `?limit=` between 1 and `max`. */
export function limitQuery(query: Query, fallback: number, max: number): number {
  const raw = single(query, 'limit');
  if (raw === undefined) return fallback;
  const limit = integer(raw);
  if (!(limit >= 1 && limit <= max)) throw invalidArgument(`limit must be an integer from 1 to ${max}`, { field: 'limit' });
  return limit;
}

/** `?type=a&type=b`: keep only these CloudEvents types. */
export function typesQuery(query: Query): string[] | undefined {
  const raw = query.type;
  if (raw === undefined) return undefined;
  return Array.isArray(raw) ? raw : [raw];
}

/** A JSON `from` as the wire carries it; `{ time }` may also be an RFC 3339 string. The log checks the rest. */
export function startFromJson(value: unknown): StartFrom | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'object' && 'time' in value && typeof value.time === 'string') {
    return { time: Date.parse(value.time) };
  }
  return value as StartFrom;
}

/** The request body as JSON (an empty body is `{}`); must be an object unless `array`. */
export function jsonBody(req: FastifyRequest, shape: 'object' | 'array' = 'object'): Record<string, unknown> & unknown[] {
  const raw = req.body as Buffer | undefined;
  const value = raw === undefined || raw.length === 0 ? (shape === 'array' ? [] : {}) : parseJson(raw, 'body');
  const ok = shape === 'array' ? Array.isArray(value) : typeof value === 'object' && value !== null && !Array.isArray(value);
  if (!ok) throw invalidArgument(`the body must be a JSON ${shape}`, { field: 'body' });
  return value as Record<string, unknown> & unknown[];
}
