import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { defineEvent, validateData } from './contract.js';
import { createEvent, envelopeIssues, type CloudEvent } from './envelope.js';
import { HeraldError } from './errors.js';

const OrderPlacedV1 = defineEvent({
  type: 'order.placed',
  schema: z.object({ orderId: z.string(), total: z.number().positive() }),
});

const OrderPlaced = defineEvent({
  type: 'order.placed',
  version: 3,
  schema: z.object({
    orderId: z.string(),
    total: z.number().positive(),
    currency: z.string().length(3),
    lines: z.array(z.object({ sku: z.string(), qty: z.number().int().positive() })),
  }),
  upcast: {
    1: (data) => ({ ...(data as object), currency: 'EUR' }),
    2: (data) => ({ ...(data as object), lines: [] }),
  },
});

function invalidEvent(...paths: string[]) {
  return (error: unknown): boolean => {
    assert.ok(error instanceof HeraldError, String(error));
    assert.equal(error.code, 'HERALD_E_INVALID_EVENT');
    for (const path of paths) assert.ok(error.message.includes(path), `${JSON.stringify(error.message)} names ${path}`);
    return true;
  };
}

describe('defineEvent', () => {
  it('create validates the data and builds a valid event carrying the version', async () => {
    const e = await OrderPlacedV1.create({ orderId: 'o-1', total: 42 }, { key: 'o-1', source: '/shop' });
    assert.deepEqual(envelopeIssues(e), []);
    assert.equal(e.type, 'order.placed');
    assert.deepEqual(e.data, { orderId: 'o-1', total: 42 });
    assert.equal(e.dataversion, 1);
    assert.equal(e.partitionkey, 'o-1');
    assert.equal(e.source, '/shop');
    assert.equal(e.datacontenttype, 'application/json');
  });

  it('create rejects invalid data with HERALD_E_INVALID_EVENT naming data.total; nothing is built', async () => {
    await assert.rejects(OrderPlacedV1.create({ orderId: 'o-1', total: -5 }), (error: unknown) => {
      invalidEvent('data.total')(error);
      const issues = (error as HeraldError).details.issues as { path: string; message: string }[];
      assert.deepEqual(issues.map((i) => i.path), ['data.total']);
      assert.equal((error as HeraldError).details.type, 'order.placed');
      return true;
    });
  });

  it('names nested and several failing fields', async () => {
    const bad = { orderId: 7, total: 1, currency: 'EURO', lines: [{ sku: 'a', qty: 1 }, { sku: 'b', qty: 0 }] };
    await assert.rejects(OrderPlaced.create(bad as never), invalidEvent('data.orderId', 'data.currency', 'data.lines.1.qty'));
    await assert.rejects(OrderPlaced.create(undefined as never), invalidEvent('invalid order.placed event'));
  });

  it('create keeps the schema\'s output (defaults, transforms)', async () => {
    const Tagged = defineEvent({ type: 'tagged', schema: z.object({ tags: z.array(z.string()).default([]), name: z.string().trim() }) });
    const e = await Tagged.create({ name: '  x  ' } as never);
    assert.deepEqual(e.data, { tags: [], name: 'x' });
  });

  it('extensions given to create are kept, but dataversion is the contract\'s', async () => {
    const e = await OrderPlacedV1.create({ orderId: 'o', total: 1 }, { extensions: { tenant: 'acme', dataversion: 9 } });
    assert.equal(e.tenant, 'acme');
    assert.equal(e.dataversion, 1);
  });

  it('decode upcasts v1 to the current version and validates the result', async () => {
    const v1 = await OrderPlacedV1.create({ orderId: 'o-1', total: 42 });
    const frozen = structuredClone(v1);
    const decoded = await OrderPlaced.decode(v1);
    assert.deepEqual(decoded.data, { orderId: 'o-1', total: 42, currency: 'EUR', lines: [] });
    assert.equal(decoded.dataversion, 3);
    assert.equal(decoded.id, v1.id);
    assert.deepEqual(v1, frozen, 'the original event is not changed');
  });

  it('decode treats an event without dataversion as version 1, and leaves a current event as it is', async () => {
    const bare = createEvent({ type: 'order.placed', data: { orderId: 'o-2', total: 1 } });
    assert.equal((await OrderPlaced.decode(bare)).data?.currency, 'EUR');
    const current = await OrderPlaced.create({ orderId: 'o-3', total: 2, currency: 'USD', lines: [{ sku: 's', qty: 1 }] });
    assert.deepEqual((await OrderPlaced.decode(current)).data, current.data);
  });

  it('decode rejects a newer version, a missing upcaster, another type and data that upcasts to invalid', async () => {
    const newer: CloudEvent = { ...createEvent({ type: 'order.placed', data: {} }), dataversion: 4 };
    await assert.rejects(OrderPlaced.decode(newer), invalidEvent('version 4'));
    const gap = defineEvent({ type: 'order.placed', version: 3, schema: z.unknown(), upcast: { 1: (d) => d } });
    await assert.rejects(gap.decode(createEvent({ type: 'order.placed', data: {} })), (error: unknown) =>
      invalidEvent('no upcaster from version 2')(error) && (error as HeraldError).details.path === 'dataversion');
    await assert.rejects(OrderPlaced.decode(createEvent({ type: 'order.cancelled', data: {} })), (error: unknown) =>
      invalidEvent('order.cancelled')(error) && (error as HeraldError).details.path === 'type');
    await assert.rejects(OrderPlaced.decode(createEvent({ type: 'order.placed', data: { orderId: 'o', total: -1 } })), invalidEvent('data.total'));
  });

  it('is() matches the contract\'s type at any version', async () => {
    assert.equal(OrderPlaced.is(await OrderPlacedV1.create({ orderId: 'o', total: 1 })), true);
    assert.equal(OrderPlaced.is(createEvent({ type: 'order.placed' })), true);
    assert.equal(OrderPlaced.is(createEvent({ type: 'order.cancelled' })), false);
  });

  it('rejects a version that is not a positive integer', () => {
    for (const version of [0, -1, 1.5]) {
      assert.throws(() => defineEvent({ type: 't', version, schema: z.unknown() }), (error: unknown) =>
        error instanceof HeraldError && error.code === 'HERALD_E_INVALID_ARGUMENT');
    }
  });

  it('validateData works with any Standard Schema validator', async () => {
    const schema = {
      '~standard': {
        version: 1 as const, vendor: 'hand-made',
        validate: (value: unknown) => (typeof value === 'number' ? { value } : { issues: [{ message: 'not a number', path: [{ key: 'amount' }] }] }),
      },
    };
    assert.equal(await validateData(schema, 't', 3), 3);
    await assert.rejects(validateData(schema, 't', 'x'), invalidEvent('data.amount: not a number'));
  });
});
