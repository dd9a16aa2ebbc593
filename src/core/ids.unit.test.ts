import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { uuidv7, uuidv7Time } from './ids.js';

const UUIDV7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const hex = (id: string): string => id.replaceAll('-', '');

// uuidv7 keeps per-process state (the last millisecond and a counter); node runs each test file
// in its own process and the tests of a file in order, so the times below only move forward.
describe('uuidv7', () => {
  it('carries the current time in its first 48 bits', () => {
    const before = Date.now();
    const id = uuidv7();
    const after = Date.now();
    assert.ok(uuidv7Time(id) >= before && uuidv7Time(id) <= after, `${uuidv7Time(id)} not in [${before}, ${after}]`);
  });

  it('is a canonical RFC 9562 UUID: lowercase 8-4-4-4-12 hex, version 7, variant 10', () => {
    for (let i = 0; i < 1_000; i++) {
      const id = uuidv7();
      assert.match(id, UUIDV7);
      const bytes = Buffer.from(hex(id), 'hex');
      assert.equal(bytes.length, 16);
      assert.equal(bytes[6]! >> 4, 0x7, 'version nibble');
      assert.equal(bytes[8]! >> 6, 0b10, 'variant bits');
    }
  });

  it('is strictly increasing over 100,000 calls in one millisecond, and unique', () => {
    const ms = Date.now() + 1_000;
    let previous = uuidv7(ms);
    const seen = new Set([previous]);
    for (let i = 0; i < 100_000; i++) {
      const id = uuidv7(ms);
      assert.ok(id > previous, `call ${i}: ${id} <= ${previous}`);
      seen.add(id);
      previous = id;
    }
    assert.equal(seen.size, 100_001);
    assert.ok(uuidv7Time(previous) >= ms, 'the time never goes back');
    assert.ok(uuidv7Time(previous) - ms < 100, 'a counter overflow borrows only a few milliseconds');
  });

  it('never goes backwards when the clock does', () => {
    const late = uuidv7(Date.now() + 5_000);
    const early = uuidv7(Date.now());
    assert.ok(early > late);
    assert.ok(uuidv7Time(early) >= uuidv7Time(late));
  });

  it('sorts by time: a later millisecond sorts after, and its time is extracted exactly', () => {
    const base = Date.now() + 60_000;
    const ids = [base, base + 1, base + 1_000, base + 86_400_000].map((ms) => uuidv7(ms));
    assert.deepEqual([...ids].sort(), ids);
    assert.deepEqual(ids.map(uuidv7Time), [base, base + 1, base + 1_000, base + 86_400_000]);
  });

  it('encodes the whole 48-bit range', () => {
    const max = 2 ** 48 - 1;
    const id = uuidv7(max);
    assert.match(id, UUIDV7);
    assert.equal(id.slice(0, 13), 'ffffffff-ffff');
    assert.equal(uuidv7Time(id), max);
  });

  it('has random bits that differ between ids', () => {
    const tails = new Set(Array.from({ length: 1_000 }, () => uuidv7().slice(19)));
    assert.equal(tails.size, 1_000);
  });
});
