import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { crc32Bytes, crc32Uint, crc32Utf8 } from './crc32.js';

test('CRC-32 known vectors (the "123456789" check value, zlib\'s)', () => {
  assert.equal(crc32Utf8(''), 0);
  assert.equal(crc32Utf8('123456789'), 0xcbf43926);
  assert.equal(crc32Bytes(new Uint8Array(32)), 0x190a55ad);
  assert.equal(crc32Bytes(new Uint8Array(32).fill(0xff)), 0xff6cab0b);
});

test('a string hashes as its UTF-8 bytes (ASCII, 2-, 3- and 4-byte characters, lone surrogates as U+FFFD)', () => {
  const samples = ['{"a":1}', 'héllo wörld', '€uro ≠ ¥en', 'emoji 😀 and 𝄞', 'lone \ud800 high', 'lone \udc00 low', 'end \ud83d', 'x'.repeat(1001), 'é€😀x'.repeat(6000)];
  let seed = 7;
  const random = (): number => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648; };
  for (let n = 0; n < 200; n++) {
    samples.push(Array.from({ length: Math.floor(random() * 40) }, () => String.fromCharCode(random() < 0.7 ? 32 + Math.floor(random() * 95) : Math.floor(random() * 0x10000))).join(''));
  }
  for (const s of samples) assert.equal(crc32Utf8(s), crc32Bytes(Buffer.from(s, 'utf8')), JSON.stringify(s.slice(0, 40)));
});

test('chaining equals hashing the concatenation; numbers go in as 8 little-endian bytes', () => {
  const whole = Buffer.concat([Buffer.from('body'), Buffer.from([0x2a, 0, 0, 0, 0, 0, 0, 0]), Buffer.from([0x00, 0x10, 0xa5, 0xd4, 0xe8, 0x00, 0x00, 0x00])]);
  assert.equal(crc32Uint(crc32Uint(crc32Utf8('body'), 42), 1_000_000_000_000), crc32Bytes(whole));
  assert.equal(crc32Utf8('dy', crc32Utf8('bo')), crc32Utf8('body'));
  const max = Buffer.alloc(8);
  max.writeBigUInt64LE(BigInt(Number.MAX_SAFE_INTEGER));
  assert.equal(crc32Uint(crc32Utf8('x'), Number.MAX_SAFE_INTEGER), crc32Bytes(max, crc32Utf8('x')));
});

test('every single-bit flip of a 400-byte body changes its CRC', () => {
  const body = JSON.stringify({ id: 'e1', type: 't', data: { pad: 'p'.repeat(360) } });
  const bytes = Buffer.from(body);
  const reference = crc32Utf8(body);
  for (let i = 0; i < bytes.length; i++) {
    for (let bit = 0; bit < 8; bit++) {
      bytes[i]! ^= 1 << bit;
      assert.notEqual(crc32Bytes(bytes), reference);
      bytes[i]! ^= 1 << bit;
    }
  }
});
