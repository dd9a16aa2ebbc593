import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { defineEvent } from '../core/contract.js';
import { createEvent } from '../core/envelope.js';
import { compileProjection, defineProjection, on, versionedTable } from './projection.js';

const base = { name: 'orders-by-status', version: 1, source: { topics: ['orders'] }, handlers: [on('order.placed', () => undefined)] };

function rejects(run: () => unknown, field: string): void {
  assert.throws(run, (error: Error & { code?: string; details?: { field?: string } }) => {
    assert.equal(error.code, 'HERALD_E_INVALID_ARGUMENT');
    assert.equal(error.details?.field, field, error.message);
    return true;
  });
}

describe('defineProjection', () => {
  it('indexes handlers by type and describes the source for the checkpoint', () => {
    const p = compileProjection(defineProjection({ ...base, source: { topics: ['orders', 'payments'] }, handlers: [on('a', () => undefined), on('b', () => undefined)] }));
    assert.deepEqual([...p.byType.keys()], ['a', 'b']);
    assert.equal(p.sourceKey, 'topics:orders,payments');
    assert.equal(compileProjection({ ...base, source: { all: true } }).sourceKey, '$all');
    assert.equal(compileProjection({ ...base, source: { all: true, category: 'order' } }).sourceKey, '$all:order');
  });

  it('a spread of a defined projection is checked afresh: the next version gets its own handlers', () => {
    const v1 = defineProjection(base);
    const v2 = compileProjection({ ...v1, version: 2, handlers: [on('order.shipped', () => undefined)] });
    assert.deepEqual([...v2.byType.keys()], ['order.shipped']);
    assert.ok(Object.isFrozen(v1));
  });

  it('rejects a bad name, version, source or handler list, naming the field', () => {
    rejects(() => defineProjection({ ...base, name: 'has space' }), 'name');
    rejects(() => defineProjection({ ...base, version: 0 }), 'version');
    rejects(() => defineProjection({ ...base, version: 1.5 }), 'version');
    rejects(() => defineProjection({ ...base, source: { topics: [] } }), 'source.topics');
    rejects(() => defineProjection({ ...base, source: { topics: ['a', 'a'] } }), 'source.topics');
    rejects(() => defineProjection({ ...base, source: { topics: ['bad topic'] } }), 'topic');
    rejects(() => defineProjection({ ...base, source: { all: true, category: '' } }), 'source.category');
    rejects(() => defineProjection({ ...base, source: {} as never }), 'source');
    rejects(() => defineProjection({ ...base, handlers: [] }), 'handlers');
    rejects(() => defineProjection({ ...base, handlers: [on('a', () => undefined), on('a', () => undefined)] }), 'handlers');
    rejects(() => defineProjection({ ...base, setup: 'no' as never }), 'setup');
  });
});

describe('versionedTable', () => {
  it('suffixes the version and accepts only plain identifiers', () => {
    assert.equal(versionedTable('orders_by_status', 2), 'orders_by_status_v2');
    rejects(() => versionedTable('orders; DROP TABLE x', 1), 'table');
    rejects(() => versionedTable('', 1), 'table');
  });
});

describe('on', () => {
  it('with a contract, decodes (upcasts and validates) events before the handler', async () => {
    const Placed = defineEvent({
      type: 'order.placed', version: 2, schema: z.object({ orderId: z.string(), total: z.number() }),
      upcast: { 1: (d) => ({ ...(d as object), total: 0 }) },
    });
    const entry = on(Placed, () => undefined);
    assert.equal(entry.type, 'order.placed');
    const old = createEvent({ type: 'order.placed', data: { orderId: 'o-1' }, extensions: { dataversion: 1 } });
    const decoded = await entry.decode!(old);
    assert.deepEqual(decoded.data, { orderId: 'o-1', total: 0 });
    await assert.rejects(entry.decode!(createEvent({ type: 'order.placed', data: { orderId: 7 }, extensions: { dataversion: 2 } })), { code: 'HERALD_E_INVALID_EVENT' });
  });

  it('with a type name, passes events through untouched', () => {
    const entry = on('order.shipped', () => undefined);
    assert.equal(entry.decode, undefined);
    rejects(() => on('x', 'not a function' as never), 'handler');
  });
});
