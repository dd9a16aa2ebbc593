import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { createEvent } from '../core/envelope.js';
import { NonRetryableError } from '../core/errors.js';
import { uuidv7 } from '../core/ids.js';
import { Herald } from '../herald.js';
import { MemoryLog } from '../log/memory/index.js';
import { renderFlow, traceFlow, type FlowNode } from './lineage.js';
import { Observability } from './observability.js';
import { FAST, until } from './test-support.js';

/** order.placed → payment.failed → order.cancelled; inventory dead-letters the order, notification fails once. */
async function declinedOrder(outcomes: boolean): Promise<{ h: Herald; id: string }> {
  const h = new Herald(new MemoryLog(), 'urn:test', new Observability({ tracing: false, metrics: false, outcomes }));
  let mailFailures = 1;
  let mailed = false;
  h.subscribe('orders', { ...FAST, group: 'payment' }, async (event, ctx) => {
    if (event.type === 'order.placed') await ctx.publish('payments', { type: 'payment.failed', data: { reason: 'card declined' } });
  });
  h.subscribe('orders', { ...FAST, group: 'inventory', maxAttempts: 3 }, (event) => {
    if (event.type === 'order.placed') throw new NonRetryableError('out of stock: lamp');
  });
  h.subscribe('payments', { ...FAST, group: 'saga' }, async (_event, ctx) => { await ctx.publish('orders', { type: 'order.cancelled' }); });
  h.subscribe('orders', { ...FAST, group: 'notification', name: 'mailer' }, (event) => {
    if (event.type !== 'order.cancelled') return;
    if (mailFailures-- > 0) throw new Error('SMTP timeout');
    mailed = true;
  });
  const { id } = await h.publish('orders', { type: 'order.placed', data: { card: '0000' } });
  await until(async () => mailed && (await h.log.groups()).every((g) => g.lag === 0), 'the flow to settle');
  await h.observability!.flush();
  return { h, id };
}

const types = (nodes: readonly FlowNode[]): string[] => nodes.map((n) => n.event.type);

describe('lineage: traceFlow', () => {
  it('returns the flow as a causal tree with every group\'s attempts, dead letters and timings', async () => {
    const { h, id } = await declinedOrder(true);
    after(() => h.close());
    const flow = await traceFlow(h.log, undefined, id);
    assert.equal(flow.events, 3);
    assert.deepEqual(types(flow.roots), ['order.placed']);
    const placed = flow.roots[0]!;
    assert.deepEqual(types(placed.children), ['payment.failed']);
    assert.deepEqual(types(placed.children[0]!.children), ['order.cancelled']);
    const byGroup = Object.fromEntries(placed.handlings.map((x) => [x.group, x]));
    assert.equal(byGroup.payment!.outcome, 'ok');
    assert.equal(byGroup.inventory!.outcome, 'dead-lettered');
    assert.deepEqual(byGroup.inventory!.attempts.map((a) => [a.attempt, a.outcome, a.error?.code]), [[1, 'dead-lettered', 'HERALD_E_NON_RETRYABLE']]);
    assert.equal(byGroup.inventory!.deadLetter?.topic, 'orders.dlq.inventory');
    assert.equal(byGroup.inventory!.deadLetter?.error.message, 'out of stock: lamp');
    const cancelled = placed.children[0]!.children[0]!;
    const mail = cancelled.handlings.find((x) => x.group === 'notification')!;
    assert.equal(mail.handler, 'mailer');
    assert.deepEqual(mail.attempts.map((a) => [a.attempt, a.outcome]), [[1, 'retry'], [2, 'ok']]);
    assert.equal(mail.attempts[0]!.error?.message, 'SMTP timeout');
    assert.equal(mail.outcome, 'ok');
    assert.equal(placed.offsetMs, 0);
    assert.ok(cancelled.offsetMs >= placed.children[0]!.offsetMs, 'offsets follow the causal order');
    assert.ok(flow.durationMs >= cancelled.offsetMs);
    assert.ok(flow.attempts >= 7, `attempts recorded: ${flow.attempts}`);
    assert.ok(!JSON.stringify(flow).includes('"stack"'), 'no stack traces');

    const text = renderFlow(flow).join('\n');
    assert.match(text, /└─ order\.placed {2}orders#1 {2}\+0 ms/);
    assert.match(text, /✗ \[inventory\] dead-lettered — #1 dead-lettered .*: out of stock: lamp; dead letter orders\.dlq\.inventory#1$/m);
    assert.match(text, /✓ \[notification \(mailer\)\] ok — #1 retry .*: SMTP timeout; #2 ok/);
    assert.match(text, /^flow .*: 3 events in /);
  });

  it('shows only readable topics: an event whose cause is hidden becomes a root, and hidden topics\' outcomes are left out', async () => {
    const { h, id } = await declinedOrder(true);
    after(() => h.close());
    const flow = await traceFlow(h.log, undefined, id, { readable: (t) => t !== 'payments' });
    assert.deepEqual(types(flow.roots), ['order.placed', 'order.cancelled']);
    assert.ok(flow.roots.every((n) => n.topic === 'orders'));
    assert.ok(!JSON.stringify(flow).includes('"saga"'), 'the saga group handles payments only: none of it shows');
  });

  it('without outcome records shows the events and the dead letters', async () => {
    const { h, id } = await declinedOrder(false);
    after(() => h.close());
    const flow = await traceFlow(h.log, ['orders', 'payments'], id);
    assert.equal(flow.events, 3);
    assert.equal(flow.attempts, 0);
    assert.deepEqual(flow.roots[0]!.handlings.map((x) => [x.group, x.outcome]), [['inventory', 'dead-lettered']]);
  });

  it('survives a cycle of causes, stops at maxEvents, and finds nothing for an unknown id', async () => {
    const log = new MemoryLog();
    await log.append('t', [
      createEvent({ id: 'a', type: 'x', correlationid: 'c', causationid: 'b' }),
      createEvent({ id: 'b', type: 'y', correlationid: 'c', causationid: 'a' }),
      createEvent({ id: 'z', type: 'z', correlationid: 'other' }),
    ]);
    const flow = await traceFlow(log, ['t'], 'c');
    assert.equal(flow.events, 2);
    assert.deepEqual(types(flow.roots), ['x']);
    assert.deepEqual(types(flow.roots[0]!.children), ['y']);
    assert.equal((await traceFlow(log, ['t'], 'c', { maxEvents: 1 })).truncated, true);
    assert.equal((await traceFlow(log, ['t'], 'nope')).events, 0);
    await assert.rejects(traceFlow(log, ['t'], ''), { code: 'HERALD_E_INVALID_ARGUMENT' });
    await assert.rejects(traceFlow(log, ['bad topic'], 'c'), { code: 'HERALD_E_INVALID_ARGUMENT' });
  });

  it('starts reading at a UUIDv7 correlation id\'s own time (less the skew allowed), unless told where', async () => {
    const log = new MemoryLog();
    const future = uuidv7(Date.now() + 3_600_000);
    await log.append('t', [createEvent({ type: 'x', correlationid: future })]);
    assert.equal((await traceFlow(log, ['t'], future)).events, 0, 'an event appended an hour before its flow began is not looked at');
    assert.equal((await traceFlow(log, ['t'], future, { since: 0 })).events, 1);
  });
});
