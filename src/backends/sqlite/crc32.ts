import { crc32 as zlibCrc32 } from 'node:zlib';

/**
 * CRC-32 (ISO-HDLC, zlib's: polynomial 0xEDB88320), for the per-event checksum (row-check.ts).
 * Strings go to `zlib.crc32` (Node ≥ 20.15): the UTF-8 encoding and the CRC run in C, ~0.24 µs
 * for a 490-byte envelope against ~0.45 µs for the table-driven CRC-32C in JavaScript this
 * replaced (docs/adr/0008-replay-path-costs.md). Node encodes a lone surrogate as U+FFFD, as every
 * UTF-8 encoder here writes it, so the CRC is that of exactly the bytes SQLite stores for a TEXT.
 *
 * Values are chainable as zlib's are: `crc32Utf8(b, crc32Utf8(a))` is the CRC of `a` then `b`.
 * Numbers are added in JavaScript (a native call for 8 bytes costs more than the bytes).
 * A CRC detects every single-bit error and every burst of up to 32 bits: exactly a bit flip.
 */
const T = new Int32Array(256);
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  T[n] = c;
}

/** The CRC of `s`'s UTF-8 bytes following the bytes whose CRC is `crc` (0: none). */
export function crc32Utf8(s: string, crc = 0): number {
  return zlibCrc32(s, crc);
}

/** The CRC of `bytes` following the bytes whose CRC is `crc` (0: none). */
export function crc32Bytes(bytes: Uint8Array, crc = 0): number {
  return zlibCrc32(bytes, crc);
}

/** The CRC after adding a non-negative safe integer as 8 little-endian bytes. */
export function crc32Uint(crc: number, value: number): number {
  let r = ~crc;
  for (let word = value >>> 0, w = 0; w < 2; w++, word = Math.floor(value / 0x100000000) >>> 0) {
    for (let shift = 0; shift < 32; shift += 8) r = T[(r ^ (word >>> shift)) & 0xff]! ^ (r >>> 8);
  }
  return ~r >>> 0;
}
