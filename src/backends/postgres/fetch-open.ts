import { invalidArgument } from '../../core/errors.js';
import { windowSpan } from './scan-window.js';

/** At most this many rows read per query of new events. */
export const NEW_PAGE = 1024;

/** Rows of the first page of new events a fetch of `max` reads (with its state, in `fetch_begin`). */
export const firstRoom = (max: number): number => Math.min(NEW_PAGE, max);

/**
 * The SQL that opens a fetch (migration-8.ts), sent with BEGIN as one round trip: a simple query,
 * so its numbers are written into the text, not bound.
 */
export function fetchOpening(s: string, groupId: number, now: number | null, max: number): string {
  if (!Number.isSafeInteger(groupId)) throw new TypeError(`group id ${groupId} is not an integer`);
  if (now !== null && !Number.isSafeInteger(now)) throw invalidArgument(`the clock's time ${now} is not a whole number of milliseconds`, { field: 'clock' });
  const room = firstRoom(max);
  return `SELECT o_cursor AS cursor, o_head AS head, o_now AS now, o_lease AS lease, o_pending AS pending,
    o_position AS position, o_appended_at AS appended_at, o_key AS key, o_body AS body
    FROM ${s}.fetch_begin(${groupId}, ${now ?? 'NULL'}, ${room}, ${windowSpan(room)})`;
}

