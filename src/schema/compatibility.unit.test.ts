import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { z } from 'zod';
import { checkCompatibility, COMPATIBILITY_MODES, type CompatibilityMode, type CompatibilityResult } from './compatibility.js';
import type { JsonSchema, JsonSchemaObject } from './json-schema.js';
import { incompatibilities } from './subsumes.js';
import { SchemaValidator } from './validator.js';

const json = (schema: z.ZodType): JsonSchema => z.toJSONSchema(schema);
const check = (mode: CompatibilityMode, next: JsonSchema, ...previous: JsonSchema[]): CompatibilityResult =>
  checkCompatibility(mode, { version: previous.length + 1, schema: next }, previous.map((schema, i) => ({ version: i + 1, schema })));
const kinds = (r: CompatibilityResult): string[] => r.changes.map((c) => `${c.direction}:${c.kind}:${c.path}`);

const v1 = z.object({ orderId: z.string(), total: z.number(), status: z.enum(['new', 'paid']) });
/** An open object (zod's looseObject: additionalProperties allowed), for FORWARD-style evolutions. */
const open = (shape: Record<string, unknown>, required: string[] = Object.keys(shape)): JsonSchemaObject => ({ type: 'object', properties: shape, required });

describe('schema compatibility: BACKWARD (the default)', () => {
  it('accepts an optional field added to a closed object', () => {
    const r = check('BACKWARD', json(v1.extend({ note: z.string().optional() })), json(v1));
    assert.deepEqual(r.reasons, []);
    assert.equal(r.compatible, true);
  });

  it('refuses a required field added, a field removed, a type narrowed and an enum value removed, naming each', () => {
    const v2 = z.object({ orderId: z.string(), total: z.number().int(), status: z.enum(['new']), currency: z.string() });
    const r = check('BACKWARD', json(v2), json(v1));
    assert.equal(r.compatible, false);
    assert.deepEqual(kinds(r).sort(), [
      'backward:enum-value-removed:data.status',
      'backward:required-added:data.currency',
      'backward:type-narrowed:data.total',
    ]);
    assert.match(r.reasons.join('\n'), /data\.currency: required field added: v2 requires it, v1 events do not have it/);
    assert.match(r.reasons.join('\n'), /data\.total: type narrowed: v1 allows number, v2 accepts only integer/);
    assert.match(r.reasons.join('\n'), /data\.status: enum value removed: "paid" is allowed by v1 but not by v2/);
    const removed = check('BACKWARD', json(z.object({ orderId: z.string(), status: z.enum(['new', 'paid']) })), json(v1));
    assert.deepEqual(kinds(removed), ['backward:field-removed:data.total']);
  });

  it('refuses closing additionalProperties and making an optional field required', () => {
    const r = check('BACKWARD', { ...open({ a: { type: 'string' }, b: { type: 'string' } }, ['a', 'b']), additionalProperties: false }, open({ a: { type: 'string' }, b: { type: 'string' } }, ['a']));
    assert.deepEqual(kinds(r).sort(), ['backward:additional-properties-closed:data', 'backward:required-added:data.b']);
    assert.match(r.reasons.join('\n'), /field made required/);
  });

  it('understands nullable, anyOf of simple types, type arrays and array items', () => {
    const base = json(z.object({ tags: z.array(z.string()), note: z.string() }));
    assert.equal(check('BACKWARD', json(z.object({ tags: z.array(z.union([z.string(), z.number()])), note: z.string().nullable() })), base).compatible, true);
    const narrowed = check('BACKWARD', json(z.object({ tags: z.array(z.enum(['a'])), note: z.string() })), base);
    assert.deepEqual(kinds(narrowed), ['backward:enum-added:data.tags[]']);
    const notNull = check('BACKWARD', base, json(z.object({ tags: z.array(z.string()), note: z.string().nullable() })));
    assert.deepEqual(kinds(notNull), ['backward:type-narrowed:data.note']);
    assert.match(notNull.reasons[0]!, /v1 allows null, v2 accepts only string/);
    assert.equal(check('BACKWARD', { type: ['string', 'null'] }, { anyOf: [{ type: 'string' }, { type: 'null' }] }).compatible, true);
  });

  it('compares bounds: a tighter minimum, maxLength or a new pattern is breaking, a looser one is not', () => {
    const loose = json(z.object({ n: z.number().min(0).max(100), s: z.string().max(10) }));
    const tight = json(z.object({ n: z.number().min(1).max(100), s: z.string().max(5).regex(/^a/) }));
    assert.deepEqual(kinds(check('BACKWARD', tight, loose)).sort(), ['backward:constraint-tightened:data.n', 'backward:constraint-tightened:data.s', 'backward:constraint-tightened:data.s']);
    assert.equal(check('BACKWARD', loose, json(z.object({ n: z.number().min(1).max(50), s: z.string().max(5) }))).compatible, true);
  });

  it('treats constructs it does not understand conservatively, and says so', () => {
    const a: JsonSchema = { allOf: [{ type: 'object' }, { required: ['x'] }] };
    assert.equal(check('BACKWARD', a, a).compatible, true, 'unchanged: nothing to compare');
    const r = check('BACKWARD', { allOf: [{ type: 'object' }, { required: ['y'] }] }, a);
    assert.deepEqual(kinds(r), ['backward:not-comparable:data']);
    assert.match(r.reasons[0]!, /keyword "allOf" changed: herald does not compare it and treats it as breaking/);
  });

  it('follows local $refs, recursive ones included', () => {
    const tree = (leaf: JsonSchema): JsonSchema => ({ $defs: { node: { type: 'object', properties: { value: leaf, children: { type: 'array', items: { $ref: '#/$defs/node' } } }, required: ['value'] } }, $ref: '#/$defs/node' });
    assert.equal(check('BACKWARD', tree({ type: 'number' }), tree({ type: 'integer' })).compatible, true);
    assert.deepEqual(kinds(check('BACKWARD', tree({ type: 'integer' }), tree({ type: 'number' }))), ['backward:type-narrowed:data.value']);
  });
});

describe('schema compatibility: FORWARD, FULL and NONE', () => {
  it('FORWARD: the old version reads the new one\'s events (narrowing is fine, widening is not)', () => {
    const old = open({ status: { enum: ['new', 'paid'] }, total: { type: 'number' }, note: { type: 'string' } }, ['status']);
    const narrower = open({ status: { enum: ['new'] }, total: { type: 'integer' }, note: { type: 'string' } }, ['status', 'note']);
    assert.deepEqual(check('FORWARD', narrower, old).reasons, []);
    const wider = open({ status: { enum: ['new', 'paid', 'refunded'] }, total: { type: 'number' }, note: { type: 'string' } }, ['status']);
    const r = check('FORWARD', wider, old);
    assert.deepEqual(kinds(r), ['forward:enum-value-removed:data.status']);
    assert.match(r.reasons[0]!, /^FORWARD with v1: data\.status: enum value removed: "refunded" is allowed by v2 but not by v1/);
    assert.equal(check('BACKWARD', wider, old).compatible, true, 'the same change is backward compatible');
  });

  it('FORWARD: a field added to a closed object cannot be read by the old version', () => {
    const r = check('FORWARD', json(v1.extend({ note: z.string().optional() })), json(v1));
    assert.deepEqual(kinds(r), ['forward:field-removed:data.note']);
  });

  it('FULL: both ways; documentation changes and an added field of any value pass, a required field does not', () => {
    const base = { ...open({ a: { type: 'string', enum: ['x', 'y'] } }), description: 'v1' };
    const docs = { ...open({ a: { type: 'string', enum: ['y', 'x'], description: 'now documented' }, extra: {} }, ['a']), description: 'v2' };
    assert.deepEqual(check('FULL', docs, base).reasons, []);
    const r = check('FULL', open({ a: { type: 'string', enum: ['x', 'y'] }, b: { type: 'string' } }), base);
    assert.equal(r.compatible, false);
    assert.ok(kinds(r).includes('backward:required-added:data.b'), kinds(r).join(', '));
    assert.ok(kinds(r).includes('backward:field-added-to-open-object:data.b'), 'v1 is open: its events may carry any b');
    assert.ok(!kinds(r).some((k) => k.startsWith('forward')), 'v1 (open) reads every v2 event');
  });

  it('NONE accepts anything', () => {
    assert.equal(check('NONE', { type: 'string' }, json(v1)).compatible, true);
  });
});

describe('schema compatibility: transitive modes', () => {
  // v2 broke v1 while the type's mode was NONE; v3 is compatible with v2 but not with v1.
  const s1 = json(z.object({ a: z.string() }));
  const s2 = json(z.object({ a: z.number() }));
  const s3 = json(z.object({ a: z.number(), b: z.string().optional() }));

  for (const [mode, transitive] of [['BACKWARD', 'BACKWARD_TRANSITIVE'], ['FORWARD', 'FORWARD_TRANSITIVE'], ['FULL', 'FULL_TRANSITIVE']] as const) {
    it(`${transitive} checks every earlier version, ${mode} only the latest`, () => {
      const plain = check(mode, s3, s1, s2);
      const all = check(transitive, s3, s1, s2);
      assert.ok(plain.changes.every((c) => c.against === 2), `${mode} only looks at v2`);
      assert.ok(all.changes.some((c) => c.against === 1 && c.kind === 'type-narrowed'), `${transitive} names the break with v1: ${all.reasons.join('; ')}`);
      assert.equal(all.compatible, false);
      if (mode === 'BACKWARD') assert.equal(plain.compatible, true);
    });
  }

  it('every mode is covered', () => {
    assert.deepEqual([...COMPATIBILITY_MODES].sort(), ['BACKWARD', 'BACKWARD_TRANSITIVE', 'FORWARD', 'FORWARD_TRANSITIVE', 'FULL', 'FULL_TRANSITIVE', 'NONE']);
  });
});

describe('schema compatibility is sound (property)', () => {
  // Small schemas over one object with a few fields; whenever the check says "compatible", every
  // value the writer accepts must be accepted by the reader (checked with ajv on random values).
  const leaf = fc.oneof(
    fc.constant<JsonSchema>({ type: 'string' }), fc.constant<JsonSchema>({ type: 'number' }), fc.constant<JsonSchema>({ type: 'integer' }),
    fc.constant<JsonSchema>({ type: ['string', 'null'] }), fc.constant<JsonSchema>({ enum: ['a', 'b'] }), fc.constant<JsonSchema>({ enum: ['a'] }),
    fc.constant<JsonSchema>({ type: 'number', minimum: 0 }), fc.constant<JsonSchema>({}), fc.constant<JsonSchema>({ type: 'array', items: { type: 'string' } }),
  );
  const object = fc.record({
    props: fc.dictionary(fc.constantFrom('a', 'b', 'c'), leaf, { maxKeys: 3 }),
    required: fc.subarray(['a', 'b', 'c']),
    closed: fc.boolean(),
  }).map(({ props, required, closed }): JsonSchema => ({ type: 'object', properties: props, required, ...(closed ? { additionalProperties: false } : {}) }));
  const value = fc.dictionary(fc.constantFrom('a', 'b', 'c', 'd'), fc.oneof(fc.string({ maxLength: 2 }), fc.constantFrom('a', 'b'), fc.integer({ min: -2, max: 2 }), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constant(null), fc.array(fc.string({ maxLength: 1 }), { maxLength: 2 })), { maxKeys: 4 });
  const validator = new SchemaValidator();

  it('no counterexample in 3,000 schema pairs × 30 values', () => {
    fc.assert(fc.property(object, object, fc.array(value, { minLength: 30, maxLength: 30 }), (writer, reader, values) => {
      if (incompatibilities(writer, reader, { writer: 'w', reader: 'r' }).length > 0) return;
      for (const v of values) {
        if (validator.issues(writer, v).length === 0) assert.deepEqual(validator.issues(reader, v), [], `${JSON.stringify(v)} passes ${JSON.stringify(writer)} but not ${JSON.stringify(reader)}`);
      }
    }), { numRuns: 3000 });
  });
});
