/**
 * Scans of an ordered key (a topic's positions, a stream's revisions, `$all` positions) a page at
 * a time, each page bounded by a window of keys as well as by a row count. The window keeps a bad
 * plan cheap. On a table whose statistics are stale (a backlog appended before autovacuum's
 * ANALYZE, while the table still looked empty), PostgreSQL expected a handful of rows and, for
 * every page, read and sorted every row after the cursor: 42 ms per 256-row page of a fetch with
 * 40,000 events waiting; reads of 40,000 events at 1,700 (one stream) to 16,000 (a topic) events a
 * second. Within a window, any plan costs a few pages.
 */

/** Keys a page of `room` rows looks at: four pages' worth, or 64 when a filter may skip most rows. */
export function windowSpan(room: number, filtered = false): number {
  return room * (filtered ? 64 : 4);
}

/** The last key a page of `room` rows from `cursor` looks at, never past `last`. */
export function windowEnd(cursor: number, room: number, last: number, filtered = false): number {
  return Math.min(last, cursor + windowSpan(room, filtered) - 1);
}

export interface WindowScan<R> {
  /** Up to `room` rows with `lo <= key <= hi`, in scan order. */
  page(lo: number, hi: number, room: number): Promise<R[]>;
  keyOf(row: R): number;
  /** Rows per page (at most). */
  size: number;
  /** Whether a filter may skip most keys of a window. */
  filtered?: boolean;
}

/**
 * Forwards from `from`, up to `limit` rows. `last()` is the last key committed now: every key up to
 * it is committed (the callers' appends commit in key order). Reaching it, the scan asks again and
 * follows the table as it grows; it ends once `last()` did not move.
 */
export async function* scanForwards<R>(scan: WindowScan<R>, from: number, limit: number, last: () => Promise<number>): AsyncGenerator<R> {
  let next = from;
  let end = await last();
  for (let yielded = 0; yielded < limit;) {
    if (next > end) {
      const moved = await last();
      if (moved < next) return;
      end = moved;
    }
    const room = Math.min(scan.size, limit - yielded);
    const hi = windowEnd(next, room, end, scan.filtered);
    const page = await scan.page(next, hi, room);
    for (const row of page) {
      next = scan.keyOf(row) + 1;
      yielded++;
      yield row;
    }
    if (page.length < room) next = hi + 1; // the window is read
  }
}

/** Backwards from `from` down to `first`, up to `limit` rows. */
export async function* scanBackwards<R>(scan: WindowScan<R>, from: number, first: number, limit: number): AsyncGenerator<R> {
  let next = from;
  for (let yielded = 0; yielded < limit && next >= first;) {
    const room = Math.min(scan.size, limit - yielded);
    const lo = Math.max(first, next - windowSpan(room, scan.filtered) + 1);
    const page = await scan.page(lo, next, room);
    for (const row of page) {
      next = scan.keyOf(row) - 1;
      yielded++;
      yield row;
    }
    if (page.length < room) next = lo - 1;
  }
}
