import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { subscribe } from '../../../src/consumer/subscribe.js';
import { NonRetryableError } from '../../../src/core/errors.js';
import { createEvent } from '../../../src/core/envelope.js';
import { listDeadLetters, redriveDeadLetter } from '../../../src/log/dead-letters.js';
import { deadLetterTopic } from '../../../src/log/names.js';
import type { DeadLetter } from '../../../src/log/dead-letters.js';
import { orderEvents, quick, waitFor, type RuntimeTarget } from './helpers.js';

async function collect(iterable: AsyncIterable<DeadLetter>): Promise<DeadLetter[]> {
  const out: DeadLetter[] = [];
  for await (const x of iterable) out.push(x);
  return out;
}

/** Retries with backoff, parking of a failing key, dead letters and redrive. */
export function failureSuite(target: RuntimeTarget): void {
  describe(`${target.name}: runtime failures`, () => {
    it('retries a failing event; its key waits, other keys flow', async () => {
      const log = await target.open();
      const events = [
        createEvent({ type: 't', key: 'bad', data: { n: 0 } }),
        createEvent({ type: 't', key: 'bad', data: { n: 1 } }),
        ...orderEvents(50, 5),
      ];
      await log.append('retry', events);
      const order: string[] = [];
      let failures = 0;
      const sub = subscribe(log, 'retry', { group: 'g', maxAttempts: 5, ...quick }, (event, ctx) => {
        if (event.id === events[0]!.id && failures < 2) { failures++; throw new Error('transient'); }
        if (event.partitionkey === 'bad') assert.equal(ctx.delivery.attempt, event.id === events[0]!.id ? 3 : 1);
        order.push(event.id);
      });
      await waitFor(() => order.length === 52, 'all handled');
      await sub.close();
      assert.ok(order.indexOf(events[0]!.id) < order.indexOf(events[1]!.id), 'the second bad-key event waited for the first');
      assert.ok(order.indexOf(events[2]!.id) < order.indexOf(events[0]!.id), 'other keys were not blocked by the retries');
      await log.close();
    });

    it('dead-letters after maxAttempts with the failure context, and redrive handles it once', async () => {
      const log = await target.open();
      const poison = createEvent({ type: 't', key: 'p', data: { poison: true } });
      await log.append('dl', [poison, ...orderEvents(30, 3)]);
      let fixed = false;
      const handled: string[] = [];
      const sub = subscribe(log, 'dl', { group: 'g', maxAttempts: 3, name: 'charge', ...quick }, (event) => {
        if (event.id === poison.id && !fixed) throw new TypeError('card declined');
        handled.push(event.id);
      });
      await waitFor(() => sub.stats().deadLettered === 1 && handled.length === 30, 'poison dead-lettered');
      const letters = await collect(listDeadLetters(log, deadLetterTopic('dl', 'g')));
      assert.equal(letters.length, 1);
      const letter = letters[0]!;
      assert.equal(letter.event.id, poison.id);
      assert.deepEqual(letter.event.data, { poison: true });
      assert.equal(letter.context.attempts, 3);
      assert.equal(letter.context.error.message, 'card declined');
      assert.equal(letter.context.error.name, 'TypeError');
      assert.match(letter.context.error.stack ?? '', /card declined/);
      assert.equal(letter.context.handler, 'charge');
      assert.equal((await log.groups('dl'))[0]?.lag, 0, 'in = out + DLQ');
      fixed = true;
      await redriveDeadLetter(log, deadLetterTopic('dl', 'g'), letter.dlqPosition);
      await waitFor(() => handled.includes(poison.id), 'redriven event handled');
      await sub.close();
      assert.equal(handled.filter((id) => id === poison.id).length, 1);
      assert.equal((await collect(listDeadLetters(log, deadLetterTopic('dl', 'g')))).length, 0);
      await log.close();
    });

    it('dead-letters a NonRetryableError at the first attempt', async () => {
      const log = await target.open();
      await log.append('nr', orderEvents(1, 1));
      let attempts = 0;
      const sub = subscribe(log, 'nr', { group: 'g', maxAttempts: 10, ...quick }, () => {
        attempts++;
        throw new NonRetryableError('malformed order');
      });
      await waitFor(() => sub.stats().deadLettered === 1, 'dead-lettered');
      await sub.close();
      assert.equal(attempts, 1);
      await log.close();
    });

    it('a redrive reaches only the group that failed', async () => {
      const log = await target.open();
      const [event] = orderEvents(1, 1);
      await log.append('iso', [event!]);
      const counts = { ok: 0, bad: 0 };
      const ok = subscribe(log, 'iso', { group: 'ok', ...quick }, () => { counts.ok++; });
      let fail = true;
      const bad = subscribe(log, 'iso', { group: 'bad', maxAttempts: 1, ...quick }, () => { if (fail) throw new Error('x'); counts.bad++; });
      await waitFor(() => counts.ok === 1 && bad.stats().deadLettered === 1, 'one handled, one dead');
      fail = false;
      const [letter] = await collect(listDeadLetters(log, deadLetterTopic('iso', 'bad')));
      await redriveDeadLetter(log, letter!.dlqTopic, letter!.dlqPosition);
      await waitFor(() => counts.bad === 1, 'redriven');
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(counts.ok, 1, 'the healthy group did not see it again');
      await Promise.all([ok.close(), bad.close()]);
      await log.close();
    });
  });
}
