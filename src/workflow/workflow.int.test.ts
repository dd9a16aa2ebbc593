import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createEvent } from '../core/envelope.js';
import { isHeraldError, NonRetryableError } from '../core/errors.js';
import { defineWorkflow } from './define.js';
import { BACKENDS, cleanUp, eventually, openBackend, runner } from './test-support.js';

const fast = { maxAttempts: 3, backoff: { initial: 10, max: 20 } };

afterEach(cleanUp);

for (const backend of BACKENDS) {
  describe(`workflows on ${backend.name}`, () => {
    it('replays a succeeded step after a restart instead of running it again', async () => {
      const b = await openBackend(backend);
      const runs = { a: 0, b: 0 };
      const wf = defineWorkflow('replay', async (ctx, input: { n: number }) => {
        const a = await ctx.step('a', () => { runs.a++; return input.n + 1; });
        const go = await ctx.waitForSignal<number>('go');
        const r = await ctx.step('b', () => { runs.b++; return a * (go ?? 0); });
        return r;
      });
      let r = await runner(b.log, [wf]);
      const ref = await r.start(wf, { n: 1 }, { id: 'i1' });
      await eventually(async () => (await r.inspect('replay', 'i1')).steps.length === 1, 'step a');
      await r.close();
      const log = await b.reopen();
      r = await runner(log, [wf]);
      await r.signal('replay', 'i1', 'go', 10);
      assert.equal(await r.result(ref, { timeout: '10s' }), 20);
      assert.deepEqual(runs, { a: 1, b: 1 });
      await r.close();
      await b.done();
    });

    it('retries a step by its policy, fails at once on a non-retryable error, and retries a failed instance from the failed step', async () => {
      const b = await openBackend(backend);
      let flaky = 0; let early = 0; let broken = true;
      const wf = defineWorkflow('retries', { retry: fast }, async (ctx) => {
        await ctx.step('early', () => { early++; });
        const v = await ctx.step('flaky', (s) => { flaky++; if (s.attempt < 3) throw new Error('try again'); return s.attempt; });
        await ctx.step('fatal', () => { if (broken) throw new NonRetryableError('card declined'); }, { retry: { maxAttempts: 10 } });
        return v;
      });
      const r = await runner(b.log, [wf]);
      const ref = await r.start(wf, {}, { id: 'x' });
      await assert.rejects(r.result(ref), (e: unknown) => isHeraldError(e, 'HERALD_E_WORKFLOW_FAILED') && /card declined/.test(e.message));
      const view = await r.inspect('retries', 'x');
      assert.equal(view.status, 'failed');
      assert.deepEqual(view.steps.map((s) => [s.name, s.status, s.attempts.length]), [['early', 'completed', 1], ['flaky', 'completed', 3], ['fatal', 'failed', 1]]);
      assert.equal(view.steps[1]!.attempts[0]!.error?.message, 'try again');
      assert.ok(view.steps[1]!.attempts.every((a) => typeof a.ms === 'number' && a.endedAt! >= a.startedAt));
      broken = false;
      await r.retry('retries', 'x');
      assert.equal(await r.result(ref), 3);
      assert.deepEqual([early, flaky], [1, 3], 'the steps that succeeded were not run again');
      await r.close();
      await b.done();
    });

    it('fails a step after maxAttempts', async () => {
      const b = await openBackend(backend);
      let calls = 0;
      const wf = defineWorkflow('exhaust', async (ctx) => ctx.step('never', () => { calls++; throw new Error('down'); }, { retry: fast }));
      const r = await runner(b.log, [wf]);
      await assert.rejects(r.result(await r.start(wf, {}, { id: 'e' })), /down/);
      assert.equal(calls, 3);
      await r.close();
      await b.done();
    });

    it('fires a durable timer after a restart', async () => {
      const b = await openBackend(backend);
      const wf = defineWorkflow('sleeper', async (ctx) => { const t = await ctx.step('t0', () => Date.now()); await ctx.sleep(400); return Date.now() - t; });
      let r = await runner(b.log, [wf]);
      const ref = await r.start(wf, {}, { id: 's' });
      await eventually(async () => (await r.inspect('sleeper', 's')).timers.length === 1, 'timer scheduled');
      await r.close();
      const log = await b.reopen();
      await new Promise((res) => setTimeout(res, 500)); // due while nothing runs
      r = await runner(log, [wf]);
      const slept = await r.result<number>(ref, { timeout: '10s' });
      assert.ok(slept >= 400, `slept ${slept}ms`);
      assert.ok((await r.inspect('sleeper', 's')).timers[0]!.firedAt !== undefined);
      await r.close();
      await b.done();
    });

    it('delivers a matching event to a waiting instance, also one published before it waited, and times out otherwise', async () => {
      const b = await openBackend(backend);
      const wf = defineWorkflow('waiter', async (ctx, input: { order: string; pause: boolean }) => {
        if (input.pause) await ctx.waitForSignal('go');
        const e = await ctx.waitForEvent<{ order: string; carrier: string }>('shipment.sent', { order: input.order }, { topic: 'shipping', timeout: 700 });
        return e ? e.data!.carrier : 'timed out';
      });
      const r = await runner(b.log, [wf]);
      const ship = (order: string, carrier: string): Promise<unknown> => b.log.append('shipping', [createEvent({ type: 'shipment.sent', data: { order, carrier } })]);
      const late = await r.start(wf, { order: 'o1', pause: false }, { id: 'late' });
      const early = await r.start(wf, { order: 'o2', pause: true }, { id: 'early' });
      const none = await r.start(wf, { order: 'o3', pause: false }, { id: 'none' });
      await eventually(async () => (await r.inspect('waiter', 'late')).waits.length === 1, 'waiting');
      await ship('o9', 'nobody'); // matches no one
      await ship('o1', 'dhl');
      await ship('o2', 'ups'); // before `early` waits
      await r.signal('waiter', 'early', 'go');
      assert.equal(await r.result(late), 'dhl');
      assert.equal(await r.result(early), 'ups');
      assert.equal(await r.result(none), 'timed out');
      const view = await r.inspect('waiter', 'none');
      assert.equal(view.waits[0]!.timedOut, true);
      await r.close();
      await b.done();
    });

    it('takes signals in order, times a signal wait out, and runs child workflows', async () => {
      const b = await openBackend(backend);
      const child = defineWorkflow('child', async (ctx, n: number) => { if (n < 0) throw new Error('negative'); return ctx.step('double', () => n * 2); });
      const parent = defineWorkflow('parent', async (ctx) => {
        const first = await ctx.waitForSignal<string>('s');
        const second = await ctx.waitForSignal<string>('s');
        const none = await ctx.waitForSignal<string>('never', { timeout: 50 });
        const c = await ctx.child(child, 21);
        let failure = '';
        try { await ctx.child(child, -1, { id: 'bad-child' }); } catch (e) { failure = (e as Error).message; }
        return { first, second, none: none ?? null, c, failed: /negative/.test(failure) };
      });
      const r = await runner(b.log, [child, parent]);
      const ref = await r.start(parent, {}, { id: 'p' });
      await r.signal('parent', 'p', 's', 'one');
      await r.signal('parent', 'p', 's', 'two');
      assert.deepEqual(await r.result(ref), { first: 'one', second: 'two', none: null, c: 42, failed: true });
      assert.equal((await r.inspect('child', 'bad-child')).status, 'failed');
      await r.close();
      await b.done();
    });

    it('starts an instance per trigger event, idempotent by event id, and by API, idempotent by id', async () => {
      const b = await openBackend(backend);
      let runs = 0;
      const wf = defineWorkflow('triggered', { trigger: { topic: 'orders', type: 'order.placed', id: (e) => `t-${e.id}` } }, async (ctx, input: { total: number }) => {
        await ctx.step('count', () => { runs++; });
        return input.total;
      });
      const r = await runner(b.log, [wf]);
      const placed = createEvent({ id: 'evt-1', type: 'order.placed', data: { total: 5 } });
      await b.log.append('orders', [placed]);
      await b.log.append('orders', [placed]); // the log drops the duplicate id
      await b.log.append('orders', [createEvent({ type: 'order.other', data: {} })]);
      assert.equal(await r.result({ workflow: 'triggered', id: 't-evt-1' }), 5);
      const again = await r.start(wf, { total: 7 }, { id: 't-evt-1' });
      assert.equal(again.duplicate, true);
      assert.equal(await r.result(again), 5);
      assert.equal(runs, 1);
      assert.deepEqual((await r.list({ workflow: 'triggered' })).map((i) => [i.id, i.status]), [['t-evt-1', 'completed']]);
      await r.close();
      await b.done();
    });
  });
}
