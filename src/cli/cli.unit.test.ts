import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidArgumentError } from 'commander';
import { collectTypes, parseFrom, parsePoint, parsePosition, parseTopic } from './args.js';
import { clean, formatRetention, redact, table } from './output.js';
import { startProgress } from './progress.js';

test('--from accepts earliest, latest, positions, ISO times and ages', () => {
  assert.equal(parseFrom('earliest'), 'earliest');
  assert.equal(parseFrom('latest'), 'latest');
  assert.deepEqual(parseFrom('42'), { position: 42 });
  assert.deepEqual(parseFrom('2026-05-01T10:00:00Z'), { time: Date.parse('2026-05-01T10:00:00Z') });
  assert.deepEqual(parsePoint('15m', 1_000_000), { time: 1_000_000 - 900_000 });
  for (const bad of ['0', '-3', 'yesterday', '12abc', '2026-13-45', '', `${'9'.repeat(400)}d`]) {
    assert.throws(() => parseFrom(bad), InvalidArgumentError, bad);
  }
  assert.throws(() => parsePosition('1.5'), InvalidArgumentError);
  assert.throws(() => parseTopic('bad topic'), InvalidArgumentError);
  assert.deepEqual(collectTypes('b,c', collectTypes('a')), ['a', 'b', 'c']);
});

test('output escapes terminal control characters and hides URL passwords', () => {
  assert.equal(clean('a\u001b[31mb\u202e'), 'a\\u001b[31mb\\u202e');
  assert.equal(redact('postgres://app:s3cret@db:5432/x failed'), 'postgres://app:***@db:5432/x failed');
  assert.equal(formatRetention({}), 'forever');
  assert.equal(formatRetention({ maxAgeMs: 7 * 86_400_000, maxCount: 10 }), 'maxAge 7d, maxCount 10');
  assert.equal(table(['A', 'BB'], [['xxx', 1]]), 'A    BB\nxxx  1');
});

test('plain progress prints periodic lines with rate and ETA when stderr is not a terminal', () => {
  let now = 0;
  let text = '';
  const p = startProgress({ out: { write: (s: string) => { text += s; } }, label: 'replay a → b', total: 100, intervalMs: 1000, now: () => now });
  now = 500; p.update(10, 10);
  assert.equal(text, '', 'nothing before the first interval');
  now = 1000; p.update(50, 50);
  now = 1200; p.update(60, 60);
  p.stop();
  assert.equal(text, 'replay a → b: 50/100 (50%), 50 ev/s, ETA 1s\n');
});
