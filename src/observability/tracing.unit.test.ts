import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { NonRetryableError } from '../core/errors.js';
import { MemoryLog } from '../log/memory/index.js';
import { Herald } from '../herald.js';
import { Observability, type ObservabilityOptions } from './observability.js';
import { formatTraceparent } from './trace-context.js';
import { eventsOf, FAST, until } from './test-support.js';

function traced(options: ObservabilityOptions['tracing'] = {}): { h: Herald; spans: InMemorySpanExporter } {
  const spans = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
  const tracing = typeof options === 'object' ? { ...options, tracerProvider } : { tracerProvider };
  return { h: new Herald(new MemoryLog(), 'urn:test', new Observability({ tracing, metrics: false })), spans };
}

const named = (spans: InMemorySpanExporter, name: string): ReadableSpan[] => spans.getFinishedSpans().filter((s) => s.name === name);
const only = (spans: InMemorySpanExporter, name: string): ReadableSpan => {
  const found = named(spans, name);
  assert.equal(found.length, 1, `one ${name} span, got ${found.length}`);
  return found[0]!;
};
const parentOf = (s: ReadableSpan): string | undefined => s.parentSpanContext?.spanId;

describe('tracing (OpenTelemetry, messaging semantic conventions)', () => {
  it('publish → handle → ctx.publish → handle is one trace: producer and consumer spans, parent and child, with links', async () => {
    const { h, spans } = traced();
    try {
      h.subscribe('orders', { ...FAST, group: 'payment', name: 'charge' }, async (event, ctx) => {
        await ctx.publish('payments', { type: 'payment.captured', data: { ok: true } });
      });
      let done = false;
      h.subscribe('payments', { ...FAST, group: 'saga' }, () => { done = true; });
      const receipt = await h.publish('orders', { type: 'order.placed', data: { orderId: 'o-1' }, key: 'o-1' });
      await until(() => done && named(spans, 'process payments').length === 1, 'the follow-up to be handled');

      const publishOrders = only(spans, 'publish orders');
      const processOrders = only(spans, 'process orders');
      const publishPayments = only(spans, 'publish payments');
      const processPayments = only(spans, 'process payments');
      const traceId = publishOrders.spanContext().traceId;
      for (const s of [processOrders, publishPayments, processPayments]) assert.equal(s.spanContext().traceId, traceId, `${s.name} is in the same trace`);
      assert.equal(parentOf(publishOrders), undefined, 'the first publish starts the trace');
      assert.equal(parentOf(processOrders), publishOrders.spanContext().spanId, 'the handling is the publish span\'s child');
      assert.equal(parentOf(publishPayments), processOrders.spanContext().spanId, 'what the handler publishes is the handling\'s child');
      assert.equal(parentOf(processPayments), publishPayments.spanContext().spanId);
      assert.deepEqual(processOrders.links.map((l) => l.context.spanId), [publishOrders.spanContext().spanId], 'the handling also links to the creation context');

      assert.equal(publishOrders.kind, SpanKind.PRODUCER);
      assert.equal(processOrders.kind, SpanKind.CONSUMER);
      const [order] = await eventsOf(h.log, 'orders');
      const [payment] = await eventsOf(h.log, 'payments');
      assert.equal(order!.traceparent, formatTraceparent(publishOrders.spanContext()), 'the event carries the publish span as its creation context');
      assert.equal(payment!.traceparent, formatTraceparent(publishPayments.spanContext()));
      assert.equal(payment!.correlationid, receipt.id, 'ctx.publish keeps the correlation id');
      assert.equal(payment!.causationid, receipt.id, 'and names its cause');

      assert.deepEqual(pick(publishOrders.attributes, ['messaging.system', 'messaging.operation.type', 'messaging.operation.name', 'messaging.destination.name', 'messaging.message.id', 'messaging.message.conversation_id', 'messaging.herald.correlation_id', 'cloudevents.event_type', 'messaging.herald.position']), {
        'messaging.system': 'herald', 'messaging.operation.type': 'send', 'messaging.operation.name': 'publish', 'messaging.destination.name': 'orders',
        'messaging.message.id': receipt.id, 'messaging.message.conversation_id': receipt.id, 'messaging.herald.correlation_id': receipt.id,
        'cloudevents.event_type': 'order.placed', 'messaging.herald.position': 1,
      });
      assert.deepEqual(pick(processOrders.attributes, ['messaging.operation.type', 'messaging.destination.name', 'messaging.consumer.group.name', 'messaging.herald.attempt', 'messaging.herald.outcome', 'messaging.herald.handler', 'messaging.message.id']), {
        'messaging.operation.type': 'process', 'messaging.destination.name': 'orders', 'messaging.consumer.group.name': 'payment',
        'messaging.herald.attempt': 1, 'messaging.herald.outcome': 'ok', 'messaging.herald.handler': 'charge', 'messaging.message.id': receipt.id,
      });
      assert.equal(publishPayments.attributes['messaging.herald.causation_id'], receipt.id);
      assert.equal(publishPayments.attributes['messaging.herald.correlation_id'], receipt.id);
      assert.equal(processPayments.attributes['messaging.herald.causation_id'], receipt.id);
      assert.equal(processOrders.status.code, SpanStatusCode.UNSET);
      assert.ok(!JSON.stringify(spans.getFinishedSpans().map((s) => s.attributes)).includes('o-1'), 'no event data in span attributes');
    } finally {
      await h.close();
    }
  });

  it('a failed attempt is an error span with outcome retry; the retry is another child of the same publish', async () => {
    const { h, spans } = traced();
    try {
      let calls = 0;
      h.subscribe('mail', { ...FAST, group: 'smtp' }, () => {
        if (++calls === 1) throw new Error('SMTP timeout');
      });
      await h.publish('mail', { type: 'mail.requested' });
      await until(() => named(spans, 'process mail').length === 2, 'two attempts');
      const [first, second] = named(spans, 'process mail').sort((a, b) => Number(a.attributes['messaging.herald.attempt']) - Number(b.attributes['messaging.herald.attempt']));
      const publish = only(spans, 'publish mail');
      assert.equal(first!.attributes['messaging.herald.outcome'], 'retry');
      assert.equal(first!.attributes['messaging.herald.attempt'], 1);
      assert.equal(first!.status.code, SpanStatusCode.ERROR);
      assert.equal(first!.status.message, 'SMTP timeout');
      assert.equal(first!.attributes['error.type'], 'Error');
      assert.ok(first!.events.some((e) => e.name === 'exception'), 'the exception is recorded');
      assert.equal(second!.attributes['messaging.herald.outcome'], 'ok');
      assert.equal(second!.attributes['messaging.herald.attempt'], 2);
      for (const s of [first!, second!]) assert.equal(parentOf(s), publish.spanContext().spanId);
    } finally {
      await h.close();
    }
  });

  it('the last attempt of an event that cannot be handled has outcome dead-lettered, and its error code', async () => {
    const { h, spans } = traced();
    try {
      h.subscribe('orders', { ...FAST, group: 'inventory' }, () => { throw new NonRetryableError('out of stock'); });
      await h.publish('orders', { type: 'order.placed' });
      await until(() => named(spans, 'process orders').length === 1, 'the attempt');
      const span = only(spans, 'process orders');
      assert.equal(span.attributes['messaging.herald.outcome'], 'dead-lettered');
      assert.equal(span.attributes['error.type'], 'HERALD_E_NON_RETRYABLE');
      assert.equal(span.status.code, SpanStatusCode.ERROR);
      const [letter] = await eventsOf(h.log, 'orders.dlq.inventory');
      assert.ok(letter, 'the event is in the dead-letter topic (the span ends after the dead-lettering)');
    } finally {
      await h.close();
    }
  });

  it('with consumerSpans "link", each handling starts its own trace and links to the creation context', async () => {
    const { h, spans } = traced({ consumerSpans: 'link' });
    try {
      h.subscribe('orders', { ...FAST, group: 'g' }, () => undefined);
      await h.publish('orders', { type: 'order.placed' });
      await until(() => named(spans, 'process orders').length === 1, 'the handling');
      const publish = only(spans, 'publish orders');
      const process = only(spans, 'process orders');
      assert.notEqual(process.spanContext().traceId, publish.spanContext().traceId);
      assert.equal(parentOf(process), undefined);
      assert.deepEqual(process.links.map((l) => l.context.spanId), [publish.spanContext().spanId]);
    } finally {
      await h.close();
    }
  });

  it('a traceparent the publisher chose is kept, and the publish span links to it', async () => {
    const { h, spans } = traced();
    try {
      const chosen = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
      await h.publish('orders', { type: 'order.placed', traceparent: chosen });
      const [event] = await eventsOf(h.log, 'orders');
      assert.equal(event!.traceparent, chosen);
      assert.deepEqual(only(spans, 'publish orders').links.map((l) => l.context.spanId), ['b7ad6b7169203331']);
    } finally {
      await h.close();
    }
  });

  it('publishAll makes a create span per event (each event\'s creation context) and one publish span linking them', async () => {
    const { h, spans } = traced();
    try {
      await h.publishAll('orders', [{ type: 'a' }, { type: 'b' }, { type: 'c' }]);
      const creates = named(spans, 'create orders');
      assert.equal(creates.length, 3);
      const events = await eventsOf(h.log, 'orders');
      assert.deepEqual(events.map((e) => e.traceparent).sort(), creates.map((s) => formatTraceparent(s.spanContext())).sort());
      const publish = only(spans, 'publish orders');
      assert.equal(publish.kind, SpanKind.CLIENT);
      assert.equal(publish.attributes['messaging.batch.message_count'], 3);
      assert.deepEqual(publish.links.map((l) => l.context.spanId).sort(), creates.map((s) => s.spanContext().spanId).sort());
    } finally {
      await h.close();
    }
  });

  it('with no tracer provider registered nothing is recorded and follow-ups keep their cause\'s traceparent', async () => {
    const h = new Herald(new MemoryLog(), 'urn:test', new Observability({ metrics: false }));
    try {
      const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
      let followUps = 0;
      h.subscribe('orders', { ...FAST, group: 'g' }, async (_event, ctx) => { await ctx.publish('payments', { type: 'payment.captured' }); followUps++; });
      await h.publish('orders', { type: 'order.placed', traceparent });
      await h.publish('orders', { type: 'order.placed' });
      await until(() => followUps === 2, 'the follow-ups');
      const [first, second] = await eventsOf(h.log, 'orders');
      assert.equal(first!.traceparent, traceparent, 'the chosen context is kept');
      assert.equal(second!.traceparent, undefined, 'no span, no context: nothing is invented');
      const payments = await eventsOf(h.log, 'payments');
      assert.deepEqual(payments.map((e) => e.traceparent), [traceparent, undefined], 'a follow-up carries its cause\'s context, as without observability');
    } finally {
      await h.close();
    }
  });
});

function pick(attributes: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(keys.map((k) => [k, attributes[k]]));
}
