import fc from 'fast-check';

/**
 * Corpus mutation for S3: a valid input, then 1-4 of bit flips, truncations, duplications,
 * deletions and insertions of hostile tokens (`__proto__`/`constructor` keys, deep nesting,
 * huge numbers, lone surrogates, NUL, stray escapes).
 */
export const HOSTILE = [
  '"__proto__":{"polluted":1},', '{"__proto__":{"polluted":1}}', '"constructor":{"prototype":{"polluted":1}},', '"\\u005f_proto__":{"polluted":1},',
  '__proto__', 'constructor', 'prototype', '\ud800', '\udfff', '\\ud800', '"\\udc00"', '\u0000', '\\u0000', '\ufeff', '\u2028',
  '1e999999', '-1e999999', '-0', '123456789012345678901234567890123456789', '9007199254740993', '0x10', 'NaN', 'Infinity',
  '%', '%00', '%zz', '%C3%A9', '"', '\\', '{', '}', '[', ']', ',', ':', '.', '>', '*', ' ', '\t', '\r\n', 'null', 'true', '[]', '{}',
  '['.repeat(5_000), ']'.repeat(5_000), '{"a":'.repeat(3_000), 'x'.repeat(10_000),
];

type Op =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'duplicate'; at: number; length: number }
  | { kind: 'delete'; at: number; length: number }
  | { kind: 'insert'; at: number; text: string };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 15 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('duplicate' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 64 }) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 16 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fc.oneof(fc.constantFrom(...HOSTILE), fc.string({ unit: 'binary', maxLength: 8 })) }),
);

function apply(text: string, o: Op): string {
  const at = o.at % (text.length + 1);
  switch (o.kind) {
    case 'flip': return at === text.length ? text : text.slice(0, at) + String.fromCharCode(text.charCodeAt(at) ^ (1 << o.bit)) + text.slice(at + 1);
    case 'truncate': return text.slice(0, at);
    case 'duplicate': return text.slice(0, at + o.length) + text.slice(at, at + o.length) + text.slice(at + o.length);
    case 'delete': return text.slice(0, at) + text.slice(at + o.length);
    case 'insert': return text.slice(0, at) + o.text + text.slice(at);
  }
}

/** Mutants of the corpus entries (and, now and then, an entry unchanged). */
export function mutated(corpus: readonly string[]): fc.Arbitrary<string> {
  return fc.tuple(fc.constantFrom(...corpus), fc.array(op, { minLength: 0, maxLength: 4 })).map(([seed, ops]) => ops.reduce(apply, seed));
}

/** Valid JSON nested `depth` deep (arrays or objects), the shape that breaks recursive parsers. */
export const deepJson: fc.Arbitrary<string> = fc.tuple(fc.integer({ min: 1, max: 20_000 }), fc.boolean()).map(([depth, arrays]) =>
  arrays ? `${'['.repeat(depth)}1${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`);
