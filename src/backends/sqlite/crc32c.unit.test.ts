import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { CRC_INIT, crc32c, crc32cBytes, crc32cChars, crc32cUint, crc32cUtf8, crcFinish } from './crc32c.js';

test('CRC-32C known vectors (RFC 3720 B.4 and the "123456789" check value)', () => {
  assert.equal(crc32c(''), 0);
  assert.equal(crc32c('123456789'), 0xe3069283);
  assert.equal(crcFinish(crc32cBytes(CRC_INIT, new Uint8Array(32))), 0x8a9136aa);
  assert.equal(crcFinish(crc32cBytes(CRC_INIT, new Uint8Array(32).fill(0xff))), 0x62a8ab43);
  assert.equal(crcFinish(crc32cBytes(CRC_INIT, Uint8Array.from({ length: 32 }, (_, i) => i))), 0x46dd794e);
  assert.equal(crcFinish(crc32cBytes(CRC_INIT, Uint8Array.from({ length: 32 }, (_, i) => 31 - i))), 0x113fdb5c);
});

test('a string hashes as its UTF-8 bytes (ASCII runs, 2-, 3- and 4-byte characters, lone surrogates)', () => {
  const samples = ['{"a":1}', 'héllo wörld', '€uro ≠ ¥en', 'emoji 😀 and 𝄞', 'lone \ud800 high', 'lone \udc00 low', 'end \ud83d', 'abc', 'x'.repeat(1001)];
  let seed = 7;
  const random = (): number => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648; };
  for (let n = 0; n < 200; n++) {
    samples.push(Array.from({ length: Math.floor(random() * 40) }, () => String.fromCharCode(random() < 0.7 ? 32 + Math.floor(random() * 95) : Math.floor(random() * 0x10000))).join(''));
  }
  samples.push('é€😀x'.repeat(6000)); // beyond the scratch buffer: the charCodeAt path
  for (const s of samples) {
    const expected = crcFinish(crc32cBytes(CRC_INIT, Buffer.from(s, 'utf8')));
    assert.equal(crc32c(s), expected, JSON.stringify(s.slice(0, 40)));
    assert.equal(crcFinish(crc32cChars(CRC_INIT, s)), expected, JSON.stringify(s.slice(0, 40)));
  }
});

test('extending the register equals hashing the concatenation; numbers go in as 8 little-endian bytes', () => {
  const whole = Buffer.concat([Buffer.from('body'), Buffer.from([0x2a, 0, 0, 0, 0, 0, 0, 0]), Buffer.from([0x00, 0x10, 0xa5, 0xd4, 0xe8, 0x00, 0x00, 0x00])]);
  const extended = crc32cUint(crc32cUint(crc32cUtf8(CRC_INIT, 'body'), 42), 1_000_000_000_000);
  assert.equal(crcFinish(extended), crcFinish(crc32cBytes(CRC_INIT, whole)));
});

test('every single-bit flip of a 400-byte body changes its CRC', () => {
  const body = JSON.stringify({ id: 'e1', type: 't', data: { pad: 'p'.repeat(360) } });
  const bytes = Buffer.from(body);
  const reference = crc32c(body);
  for (let i = 0; i < bytes.length; i++) {
    for (let bit = 0; bit < 8; bit++) {
      bytes[i]! ^= 1 << bit;
      assert.notEqual(crcFinish(crc32cBytes(CRC_INIT, bytes)), reference);
      bytes[i]! ^= 1 << bit;
    }
  }
});
