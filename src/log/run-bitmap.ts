/**
 * The member bitmap of a lease run (SQLite's lease-runs.ts, PostgreSQL's migration-6.ts): bit
 * `p - first` of the returned bytes is set for each position `p`, least significant bit first
 * within a byte (PostgreSQL's `get_bit` numbering). `positions` ascending, not empty.
 */
export function runBitmap(positions: readonly number[]): { first: number; members: Buffer } {
  const first = positions[0]!;
  const members = Buffer.alloc(((positions[positions.length - 1]! - first) >> 3) + 1);
  for (const p of positions) members[(p - first) >> 3]! |= 1 << ((p - first) & 7);
  return { first, members };
}
