import { readFileSync } from 'node:fs';

/**
 * The frames of a SQLite write-ahead log (https://sqlite.org/fileformat.html#the_write_ahead_log):
 * a 32-byte header, then frames of a 24-byte header and one page. A frame belongs to the current
 * log while its salts match the header's; a frame whose "database size after commit" is non-zero
 * ends a transaction. Zeros past the last frame (herald's reserve) have no matching salt.
 */
export interface WalFrame { offset: number; end: number; commit: boolean }

export interface WalLayout { pageSize: number; frames: WalFrame[]; commits: WalFrame[] }

export const WAL_HEADER = 32;
export const FRAME_HEADER = 24;

export function walLayout(walPath: string): WalLayout {
  const wal = readFileSync(walPath);
  if (wal.length < WAL_HEADER) return { pageSize: 0, frames: [], commits: [] };
  const pageSize = wal.readUInt32BE(8);
  const salt1 = wal.readUInt32BE(16);
  const salt2 = wal.readUInt32BE(20);
  const frames: WalFrame[] = [];
  for (let offset = WAL_HEADER; offset + FRAME_HEADER + pageSize <= wal.length; offset += FRAME_HEADER + pageSize) {
    if (wal.readUInt32BE(offset + 8) !== salt1 || wal.readUInt32BE(offset + 12) !== salt2) break;
    frames.push({ offset, end: offset + FRAME_HEADER + pageSize, commit: wal.readUInt32BE(offset + 4) !== 0 });
  }
  return { pageSize, frames, commits: frames.filter((f) => f.commit) };
}
