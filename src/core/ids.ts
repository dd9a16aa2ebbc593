import { randomFillSync } from 'node:crypto';

/**
 * UUIDv7 (RFC 9562): 48-bit unix milliseconds, then a counter seeded randomly each millisecond,
 * so ids made in one process sort in creation order even within the same millisecond.
 */
let lastMs = 0;
let counter = 0;
const random = new Uint8Array(4096);
let randomOffset = random.length;

function randomBytes(n: number): Uint8Array {
  if (randomOffset + n > random.length) {
    randomFillSync(random);
    randomOffset = 0;
  }
  const out = random.subarray(randomOffset, randomOffset + n);
  randomOffset += n;
  return out;
}

const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function uuidv7(now: number = Date.now()): string {
  let ms = now;
  if (ms <= lastMs) {
    ms = lastMs;
    counter++;
    if (counter > 0xfff) {
      ms = ++lastMs;
      counter = randomBytes(1)[0]! & 0x7f;
    }
  } else {
    lastMs = ms;
    counter = randomBytes(1)[0]! & 0x7f; // leave room to count up within this millisecond
  }
  const b = new Uint8Array(16);
  b[0] = Math.floor(ms / 2 ** 40) & 0xff;
  b[1] = Math.floor(ms / 2 ** 32) & 0xff;
  b[2] = (ms >>> 24) & 0xff;
  b[3] = (ms >>> 16) & 0xff;
  b[4] = (ms >>> 8) & 0xff;
  b[5] = ms & 0xff;
  b[6] = 0x70 | ((counter >>> 8) & 0x0f);
  b[7] = counter & 0xff;
  b.set(randomBytes(8), 8);
  b[8] = (b[8]! & 0x3f) | 0x80;
  let s = '';
  for (let i = 0; i < 16; i++) {
    s += HEX[b[i]!]!;
    if (i === 3 || i === 5 || i === 7 || i === 9) s += '-';
  }
  return s;
}

/** The millisecond timestamp inside a UUIDv7. */
export function uuidv7Time(id: string): number {
  return parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
}
