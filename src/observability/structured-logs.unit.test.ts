import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { logging } from '../consumer/middleware/logging.js';
import { Herald } from '../herald.js';
import { MemoryLog } from '../log/memory/index.js';
import { jsonLogger } from './json-logger.js';
import { FAST, until } from './test-support.js';

const SECRET = 'SECRET-PII-4111-1111';

function sink(): { lines: Record<string, unknown>[]; write(line: string): void } {
  const lines: Record<string, unknown>[] = [];
  return { lines, write: (line: string) => { assert.ok(line.endsWith('\n') && !line.slice(0, -1).includes('\n'), 'one line per entry'); lines.push(JSON.parse(line) as Record<string, unknown>); } };
}

describe('structured logs', () => {
  it('log each attempt as one JSON line with correlation, causation, event and trace ids, topic, group and attempt, never the data', async () => {
    const out = sink();
    const h = new Herald(new MemoryLog(), 'urn:test');
    try {
      const log = jsonLogger({ out, base: { service: 'billing' }, now: () => 42 });
      let failedOnce = false;
      h.subscribe('orders', { ...FAST, group: 'payment', middleware: [logging(log)] }, async (_event, ctx) => {
        await ctx.publish('payments', { type: 'payment.captured', data: { card: SECRET } });
      });
      h.subscribe('payments', { ...FAST, group: 'ledger', middleware: [logging(log)] }, () => {
        if (!failedOnce) { failedOnce = true; throw new Error('ledger locked'); }
      });
      const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
      const { id } = await h.publish('orders', { type: 'order.placed', data: { card: SECRET }, traceparent });
      await until(() => out.lines.length === 3, 'three log lines');
      const [placed, failed, retried] = [out.lines.find((l) => l.topic === 'orders'), ...out.lines.filter((l) => l.topic === 'payments')];
      assert.deepEqual(placed, {
        level: 'info', time: 42, msg: 'handled', service: 'billing', topic: 'orders', group: 'payment', position: 1, attempt: 1,
        eventId: id, type: 'order.placed', correlationId: id, traceId: '0af7651916cd43dd8448eb211c80319c', ms: placed!.ms,
      });
      assert.equal(failed!.level, 'warn');
      assert.equal(failed!.msg, 'handler failed');
      assert.equal(failed!.error, 'ledger locked');
      assert.equal(failed!.correlationId, id, 'the follow-up keeps the flow\'s correlation id');
      assert.equal(failed!.causationId, id, 'and names its cause');
      assert.deepEqual([failed!.attempt, retried!.attempt], [1, 2]);
      assert.ok(!JSON.stringify(out.lines).includes(SECRET), 'no event data in the logs');
    } finally {
      await h.close();
    }
  });

  it('log the data only when asked, and drop levels below the one set', async () => {
    const out = sink();
    const h = new Herald(new MemoryLog(), 'urn:test');
    try {
      h.subscribe('orders', { ...FAST, group: 'g', middleware: [logging(jsonLogger({ out, level: 'warn' })), logging(jsonLogger({ out }), { data: true })] }, () => undefined);
      await h.publish('orders', { type: 'order.placed', data: { card: SECRET } });
      await until(() => out.lines.length === 1, 'one line');
      assert.deepEqual(out.lines[0]!.data, { card: SECRET });
      assert.throws(() => jsonLogger({ level: 'loud' as never }), { code: 'HERALD_E_INVALID_ARGUMENT' });
    } finally {
      await h.close();
    }
  });
});
