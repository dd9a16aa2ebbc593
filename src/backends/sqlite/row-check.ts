import type { CloudEvent } from '../../core/envelope.js';
import { HeraldError } from '../../core/errors.js';
import { crc32Uint, crc32Utf8 } from './crc32.js';
import type { Statements } from './statements.js';

/**
 * The checksum of a stored event (schema version 3, docs/adr/0007-event-checksums.md): CRC-32 of
 * the body's stored UTF-8 bytes (crc32.ts), then the row's topic id, position and append time (8 bytes each,
 * little-endian), so a bit flipped in any column a read serves is caught. SQLite has no page
 * checksums and `quick_check` does not look inside records, so this is what keeps a damaged file
 * from serving changed data. Rows written before version 3 have no checksum (NULL): they are read
 * unverified.
 */

/** The body's CRC, computed when the append is made (off the writer's path). */
export function bodyRegister(body: string): number {
  return crc32Utf8(body);
}

/** The stored checksum of a row whose body's CRC is `register`. */
export function rowChecksum(register: number, topicId: number, position: number, appendedAt: number): number {
  return crc32Uint(crc32Uint(crc32Uint(register, topicId), position), appendedAt);
}

/**
 * The checksum of a `stream_events` row: what a stream or `$all` read serves besides the event
 * (which its own row's checksum covers): `$all` position, revision, topic position, and the
 * stream, topic and category names (joined from other tables, so a flip there is caught too).
 */
export function streamChecksum(global: number, revision: number, position: number, stream: string, topic: string, category: string): number {
  let crc = crc32Uint(crc32Uint(crc32Uint(0, global), revision), position);
  for (const name of [stream, topic, category]) crc = crc32Utf8(name, crc32Uint(crc, name.length));
  return crc;
}

/** Verifies a stream index row as read (a null `crc`: written before schema version 3, unverified). */
export function checkStreamRow(global: unknown, revision: unknown, position: unknown, stream: unknown, topic: unknown, category: unknown, crc: unknown): void {
  if (crc === null) return;
  const fine = typeof global === 'number' && typeof revision === 'number' && typeof position === 'number' && typeof stream === 'string'
    && typeof topic === 'string' && typeof category === 'string' && crc === streamChecksum(global, revision, position, stream, topic, category);
  if (!fine) throw corruptRow(String(topic), Number(position), `its stream index row (stream ${String(stream)}, $all ${String(global)}) is damaged`);
}

/** Marks a corrupt row (not the whole file): the log keeps running, so the event can be deleted. */
export const ROW_CORRUPTION = 'row';

export function corruptRow(topic: string, position: number, what: string, cause?: unknown): HeraldError {
  return new HeraldError('HERALD_E_CORRUPT', `sqlite: the stored event ${topic}#${position} is damaged (${what}); herald refuses to serve it`, {
    details: { topic, position, damage: ROW_CORRUPTION },
    ...(cause === undefined ? {} : { cause }),
  });
}

/**
 * A scan of a topic found nothing from `next` on, below the topic's head (read in the same
 * transaction): are rows from `next` on stored all the same? Then the (topic_id, position) index
 * skips them. A bit flipped in an index entry (its topic id, or its record header) ends every scan
 * there, and no row checksum can see that: the rows are fine. First a point lookup of the head;
 * then the rows appended after the last one read, bypassing the index (rowids only grow). Only a
 * scan that ends below the head pays (the tail was deleted, or retention took it around pending
 * rows). Index damage is file damage: fail-stop (errors.ts).
 */
export function assertScanReachedHead(st: Statements, topic: string, topicId: number, next: number, head: number): void {
  if (next > head) return;
  const skipped = st.eventAt.get(topicId, head) !== undefined
    || st.storedBeyond.get(next > 1 ? (st.rowidAt.get(topicId, next - 1) ?? 0) : 0, topicId, next) !== undefined;
  if (skipped) throw damagedIndex(`the index of topic ${topic} ends before position ${next} but later events are stored`, { topic, position: next, head });
}

/** The file's indexes disagree with its tables: fail-stop, and REINDEX offline. */
export function damagedIndex(what: string, details: Record<string, unknown>): HeraldError {
  return new HeraldError('HERALD_E_CORRUPT', `sqlite: ${what} (a damaged index); herald refuses to serve it: run REINDEX offline`, { details: { ...details, damage: 'index' } });
}

/**
 * Verifies a row read from `events` and parses its body. Any failure (checksum mismatch, a column
 * of the wrong type, a body that is not JSON) is HERALD_E_CORRUPT naming topic and position, never
 * the data.
 */
export function decodeRow(topic: string, topicId: number, position: number, appendedAt: number, body: unknown, crc: unknown): CloudEvent {
  if (typeof body !== 'string' || typeof position !== 'number' || typeof appendedAt !== 'number') throw corruptRow(topic, position, 'a column has the wrong type');
  if (crc !== null) {
    if (typeof crc !== 'number') throw corruptRow(topic, position, 'the checksum column has the wrong type');
    if (rowChecksum(bodyRegister(body), topicId, position, appendedAt) !== crc) throw corruptRow(topic, position, 'checksum mismatch');
  }
  try {
    return JSON.parse(body) as CloudEvent;
  } catch (error) {
    throw corruptRow(topic, position, 'the body is not JSON', error);
  }
}
