/**
 * CRC-32C (Castagnoli), table-driven (slicing-by-8), for the per-event checksum (see row-check.ts).
 * (`zlib.crc32`, CRC-32 in C from Node 20.15, measured only ~25% faster on a 521-byte string, see
 * docs/adr/0007-event-checksums.md.) `crc32cUtf8` gives the CRC of exactly the bytes SQLite stores for a
 * TEXT value (lone surrogates count as U+FFFD, as every UTF-8 encoder here writes them): it encodes
 * the string into a reused scratch buffer (`encodeInto`, no allocation) and reads it 4 bytes at a
 * time, about twice as fast as walking the string with charCodeAt (measured ~0.5 vs ~1.1 µs for a
 * 535-byte envelope). Strings too large for the scratch, or a big-endian machine, take the
 * charCodeAt path, which encodes UTF-8 on the fly.
 *
 * The functions work on the raw register (start at CRC_INIT, finish with `crcFinish`) so that a
 * body's CRC can be extended later with the row's numbers without hashing the body again.
 * A CRC detects every single-bit error and every burst of up to 32 bits: exactly a bit flip.
 */
export const CRC_INIT = 0xffffffff;

const T0 = new Int32Array(256);
const T1 = new Int32Array(256);
const T2 = new Int32Array(256);
const T3 = new Int32Array(256);
const T4 = new Int32Array(256);
const T5 = new Int32Array(256);
const T6 = new Int32Array(256);
const T7 = new Int32Array(256);
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
  T0[n] = c;
}
for (let n = 0; n < 256; n++) {
  T1[n] = T0[T0[n]! & 0xff]! ^ (T0[n]! >>> 8);
  T2[n] = T0[T1[n]! & 0xff]! ^ (T1[n]! >>> 8);
  T3[n] = T0[T2[n]! & 0xff]! ^ (T2[n]! >>> 8);
  T4[n] = T0[T3[n]! & 0xff]! ^ (T3[n]! >>> 8);
  T5[n] = T0[T4[n]! & 0xff]! ^ (T4[n]! >>> 8);
  T6[n] = T0[T5[n]! & 0xff]! ^ (T5[n]! >>> 8);
  T7[n] = T0[T6[n]! & 0xff]! ^ (T6[n]! >>> 8);
}

function byte(crc: number, b: number): number {
  return T0[(crc ^ b) & 0xff]! ^ (crc >>> 8);
}

/** Extends the register with the bytes of `buf`. */
export function crc32cBytes(crc: number, buf: Uint8Array): number {
  for (let i = 0; i < buf.length; i++) crc = byte(crc, buf[i]!);
  return crc;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
/** Bytes of scratch kept for encoding (a larger string takes the slower path instead of growing it). */
const SCRATCH_MAX = 64 * 1024;
let scratch = new Uint8Array(4096);
let words = new Int32Array(scratch.buffer);
const encoder = new TextEncoder();

/** Extends the register with the UTF-8 encoding of `s`. */
export function crc32cUtf8(crc: number, s: string): number {
  const most = s.length * 3; // UTF-8 bytes per UTF-16 code unit, at most
  if (!LITTLE_ENDIAN || most > SCRATCH_MAX) return crc32cChars(crc, s);
  if (most > scratch.length) {
    scratch = new Uint8Array(Math.min(SCRATCH_MAX, Math.max(most, scratch.length * 2)));
    words = new Int32Array(scratch.buffer);
  }
  const n = encoder.encodeInto(s, scratch).written;
  let i = 0;
  for (let w = 0; i + 8 <= n; i += 8, w += 2) {
    crc ^= words[w]!;
    const hi = words[w + 1]!;
    crc = T7[crc & 0xff]! ^ T6[(crc >>> 8) & 0xff]! ^ T5[(crc >>> 16) & 0xff]! ^ T4[crc >>> 24]!
      ^ T3[hi & 0xff]! ^ T2[(hi >>> 8) & 0xff]! ^ T1[(hi >>> 16) & 0xff]! ^ T0[hi >>> 24]!;
  }
  for (; i < n; i++) crc = byte(crc, scratch[i]!);
  return crc;
}

/** `crc32cUtf8` without the scratch buffer: walks the string, encoding UTF-8 as it goes. */
export function crc32cChars(crc: number, s: string): number {
  const n = s.length;
  let i = 0;
  while (i < n) {
    if (i + 8 <= n) {
      const a = s.charCodeAt(i), b = s.charCodeAt(i + 1), c = s.charCodeAt(i + 2), d = s.charCodeAt(i + 3);
      const e = s.charCodeAt(i + 4), f = s.charCodeAt(i + 5), g = s.charCodeAt(i + 6), h = s.charCodeAt(i + 7);
      if ((a | b | c | d | e | f | g | h) < 0x80) {
        crc ^= a | (b << 8) | (c << 16) | (d << 24);
        crc = T7[crc & 0xff]! ^ T6[(crc >>> 8) & 0xff]! ^ T5[(crc >>> 16) & 0xff]! ^ T4[crc >>> 24]!
          ^ T3[e]! ^ T2[f]! ^ T1[g]! ^ T0[h]!;
        i += 8;
        continue;
      }
    }
    if (i + 4 <= n) {
      const a = s.charCodeAt(i), b = s.charCodeAt(i + 1), c = s.charCodeAt(i + 2), d = s.charCodeAt(i + 3);
      if ((a | b | c | d) < 0x80) {
        crc ^= a | (b << 8) | (c << 16) | (d << 24);
        crc = T3[crc & 0xff]! ^ T2[(crc >>> 8) & 0xff]! ^ T1[(crc >>> 16) & 0xff]! ^ T0[crc >>> 24]!;
        i += 4;
        continue;
      }
    }
    let cp = s.charCodeAt(i++);
    if (cp < 0x80) { crc = byte(crc, cp); continue; }
    if (cp >= 0xd800 && cp <= 0xdfff) {
      const lo = i < n ? s.charCodeAt(i) : 0;
      if (cp <= 0xdbff && lo >= 0xdc00 && lo <= 0xdfff) { cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00); i++; }
      else cp = 0xfffd; // a lone surrogate
    }
    if (cp < 0x800) {
      crc = byte(byte(crc, 0xc0 | (cp >> 6)), 0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
      crc = byte(byte(byte(crc, 0xe0 | (cp >> 12)), 0x80 | ((cp >> 6) & 0x3f)), 0x80 | (cp & 0x3f));
    } else {
      crc = byte(byte(byte(byte(crc, 0xf0 | (cp >> 18)), 0x80 | ((cp >> 12) & 0x3f)), 0x80 | ((cp >> 6) & 0x3f)), 0x80 | (cp & 0x3f));
    }
  }
  return crc;
}

/** Extends the register with a non-negative safe integer as 8 little-endian bytes. */
export function crc32cUint(crc: number, value: number): number {
  const lo = value >>> 0;
  const hi = Math.floor(value / 0x100000000) >>> 0;
  crc ^= lo;
  crc = T3[crc & 0xff]! ^ T2[(crc >>> 8) & 0xff]! ^ T1[(crc >>> 16) & 0xff]! ^ T0[crc >>> 24]!;
  crc ^= hi;
  return T3[crc & 0xff]! ^ T2[(crc >>> 8) & 0xff]! ^ T1[(crc >>> 16) & 0xff]! ^ T0[crc >>> 24]!;
}

/** The CRC value of a register: unsigned 32-bit. */
export function crcFinish(crc: number): number {
  return (crc ^ CRC_INIT) >>> 0;
}

/** CRC-32C of a whole string's UTF-8 bytes. */
export function crc32c(s: string): number {
  return crcFinish(crc32cUtf8(CRC_INIT, s));
}
