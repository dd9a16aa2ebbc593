import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createEvent } from '../core/envelope.js';
import { correlationOf, creationContextOf, formatTraceparent, withCreationContext } from './trace-context.js';

const TP = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

describe('trace context in CloudEvents (distributed-tracing extension)', () => {
  it('reads traceparent and tracestate, and writes them back unchanged', () => {
    const event = createEvent({ type: 'x', traceparent: TP, tracestate: 'vendor=abc,other=1' });
    const context = creationContextOf(event)!;
    assert.deepEqual([context.traceId, context.spanId, context.traceFlags, context.isRemote], ['0af7651916cd43dd8448eb211c80319c', 'b7ad6b7169203331', 1, true]);
    assert.equal(formatTraceparent(context), TP);
    const copy = withCreationContext(createEvent({ type: 'y' }), context);
    assert.equal(copy.traceparent, TP);
    assert.equal(copy.tracestate, 'vendor=abc,other=1');
  });

  it('ignores what is not a usable context: none, version ff, all-zero ids', () => {
    assert.equal(creationContextOf(createEvent({ type: 'x' })), undefined);
    assert.equal(creationContextOf({ ...createEvent({ type: 'x' }), traceparent: 'ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' }), undefined);
    assert.equal(creationContextOf(createEvent({ type: 'x', traceparent: `00-${'0'.repeat(32)}-b7ad6b7169203331-01` })), undefined);
    assert.equal(creationContextOf(createEvent({ type: 'x', traceparent: `00-0af7651916cd43dd8448eb211c80319c-${'0'.repeat(16)}-01` })), undefined);
  });

  it('never changes the event it stamps, and drops a stale tracestate', () => {
    const original = createEvent({ type: 'x', traceparent: TP, tracestate: 'old=1' });
    const stamped = withCreationContext(original, { traceId: '1'.repeat(32), spanId: '2'.repeat(16), traceFlags: 0 });
    assert.equal(original.traceparent, TP);
    assert.equal(stamped.traceparent, `00-${'1'.repeat(32)}-${'2'.repeat(16)}-00`);
    assert.equal('tracestate' in stamped, false);
  });

  it('the correlation id of an event is its correlationid, or its own id when it starts a flow', () => {
    const root = createEvent({ type: 'x' });
    assert.equal(correlationOf(root), root.id);
    assert.equal(correlationOf(createEvent({ type: 'y', correlationid: 'c-1' })), 'c-1');
  });
});
