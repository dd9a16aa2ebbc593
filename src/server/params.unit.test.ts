import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { integer, limitQuery, startFromQuery, startFromJson, typesQuery } from './params.js';

const field = (run: () => unknown, name: string): void => assert.throws(run, (e: Error & { details?: { field?: string } }) => e.details?.field === name, name);

describe('query and body parameters', () => {
  it('from / time', () => {
    assert.equal(startFromQuery({}), undefined);
    assert.equal(startFromQuery({ from: 'earliest' }), 'earliest');
    assert.deepEqual(startFromQuery({ from: '12' }), { position: 12 });
    assert.deepEqual(startFromQuery({ time: '1700000000000' }), { time: 1_700_000_000_000 });
    assert.deepEqual(startFromQuery({ time: '2026-01-01T00:00:00Z' }), { time: Date.UTC(2026, 0, 1) });
    for (const from of ['0', '-1', '1.5', 'first', '']) field(() => startFromQuery({ from }), 'from');
    field(() => startFromQuery({ from: ['1', '2'] }), 'from');
    field(() => startFromQuery({ from: '1', time: '1' }), 'from');
    field(() => startFromQuery({ time: 'soon' }), 'time');
  });

  it('limit, type, integers and JSON from', () => {
    assert.equal(limitQuery({}, 100, 1000), 100);
    assert.equal(limitQuery({ limit: '5' }, 100, 1000), 5);
    for (const limit of ['0', '1001', 'x']) field(() => limitQuery({ limit }, 100, 1000), 'limit');
    assert.deepEqual(typesQuery({ type: 'a' }), ['a']);
    assert.deepEqual(typesQuery({ type: ['a', 'b'] }), ['a', 'b']);
    assert.ok(Number.isNaN(integer('1e3')) && Number.isNaN(integer(undefined)) && integer('-4') === -4);
    assert.deepEqual(startFromJson({ time: '2026-01-01T00:00:00Z' }), { time: Date.UTC(2026, 0, 1) });
    assert.equal(startFromJson(null), undefined);
    assert.deepEqual(startFromJson({ position: 3 }), { position: 3 });
  });
});
