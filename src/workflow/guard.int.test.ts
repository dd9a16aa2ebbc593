import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isHeraldError } from '../core/errors.js';
import { defineWorkflow } from './define.js';
import { FencedOut, historyEvent, Recorder } from './recorder.js';
import { runSaga } from './saga.js';
import { BACKENDS, cleanUp, eventually, openBackend, runner } from './test-support.js';

afterEach(cleanUp);

for (const backend of BACKENDS) {
  describe(`sagas, the determinism guard and versions on ${backend.name}`, () => {
    it('compensates the succeeded steps in reverse order when a step fails, and on cancel', async () => {
      const b = await openBackend(backend);
      const order: string[] = [];
      const wf = defineWorkflow('trip', async (ctx, input: { fail: boolean }) => runSaga(ctx, async (s) => {
        await s.step('flight', () => { order.push('flight'); }, { compensate: () => { order.push('undo flight'); } });
        await s.step('hotel', () => { order.push('hotel'); }, { compensate: async (step) => { order.push('undo hotel'); await step.publish('trips', { type: 'hotel.released', data: { trip: ctx.instanceId } }); } });
        await s.step('car', () => { order.push('car'); if (input.fail) throw new Error('no cars left'); }, { compensate: () => { order.push('undo car'); }, retry: { maxAttempts: 1 } });
        await ctx.waitForSignal('confirm');
        return 'booked';
      }));
      const r = await runner(b.log, [wf]);
      await assert.rejects(r.result(await r.start(wf, { fail: true }, { id: 'failing' })), /no cars left/);
      assert.deepEqual(order, ['flight', 'hotel', 'car', 'undo hotel', 'undo flight']);
      const view = await r.inspect('trip', 'failing');
      assert.deepEqual(view.steps.filter((s) => s.kind === 'compensation').map((s) => s.name), ['undo hotel', 'undo flight']);
      const released = [];
      for await (const e of b.log.read('trips')) released.push(e.event);
      assert.equal(released.length, 1);
      assert.equal(released[0]!.correlationid, `workflow-trip:failing/started`, 'the compensating event keeps the instance correlation');

      order.length = 0;
      const ref = await r.start(wf, { fail: false }, { id: 'cancelled' });
      await eventually(() => order.length === 3, 'three steps');
      await r.cancel('trip', 'cancelled', 'customer changed their mind');
      await assert.rejects(r.result(ref), (e: unknown) => isHeraldError(e, 'HERALD_E_CANCELLED') && /changed their mind/.test(e.message));
      assert.deepEqual(order, ['flight', 'hotel', 'car', 'undo car', 'undo hotel', 'undo flight']);
      await assert.rejects(r.cancel('trip', 'cancelled'), /is cancelled/);
      await r.close();
      await b.done();
    });

    it('fails an instance whose code no longer matches its history, naming both steps, and retries it once fixed', async () => {
      const b = await openBackend(backend);
      const v1 = defineWorkflow('guarded', async (ctx) => { await ctx.step('charge', () => 1); await ctx.waitForSignal('go'); return ctx.step('ship', () => 2); });
      let r = await runner(b.log, [v1]);
      await r.start(v1, {}, { id: 'g' });
      await eventually(async () => (await r.inspect('guarded', 'g')).steps.length === 1, 'charged');
      await r.close();
      const changed = defineWorkflow('guarded', async (ctx) => { await ctx.step('reserve', () => 0); await ctx.waitForSignal('go'); return ctx.step('ship', () => 2); });
      const log = await b.reopen();
      r = await runner(log, [changed]);
      await r.signal('guarded', 'g', 'go');
      const error = await r.result({ workflow: 'guarded', id: 'g' }).then(() => undefined, (e: unknown) => e);
      assert.ok(isHeraldError(error, 'HERALD_E_WORKFLOW_FAILED'));
      const view = await r.inspect('guarded', 'g');
      assert.equal(view.error?.code, 'HERALD_E_NONDETERMINISTIC');
      assert.match(view.error.message, /recorded step "charge" as command #0 but the code now calls step "reserve"/);
      await r.close();
      r = await runner(log, [v1]); // the fix: the original code again
      await r.retry('guarded', 'g');
      assert.equal(await r.result({ workflow: 'guarded', id: 'g' }), 2);
      await r.close();
      await b.done();
    });

    it('keeps running instances on the version they started with while new ones start on the newest', async () => {
      const b = await openBackend(backend);
      const v1 = defineWorkflow('versioned', { version: 1 }, async (ctx) => { await ctx.waitForSignal('go'); return ctx.step('v1 step', () => 'one'); });
      const v2 = defineWorkflow('versioned', { version: 2 }, async (ctx) => { await ctx.step('v2 first', () => 0); await ctx.waitForSignal('go'); return 'two'; });
      let r = await runner(b.log, [v1]);
      await r.start(v1, {}, { id: 'old' });
      await r.start(v1, {}, { id: 'orphan' });
      await r.close();
      const log = await b.reopen();
      r = await runner(log, [v1, v2]);
      const fresh = await r.start('versioned', {}, { id: 'new' });
      for (const id of ['old', 'new']) await r.signal('versioned', id, 'go');
      assert.equal(await r.result({ workflow: 'versioned', id: 'old' }), 'one');
      assert.equal(await r.result(fresh), 'two');
      assert.equal((await r.inspect('versioned', 'new')).version, 2);
      await r.close();
      r = await runner(log, [v2]); // version 1 dropped while an instance still runs on it
      await r.signal('versioned', 'orphan', 'go');
      await assert.rejects(r.result({ workflow: 'versioned', id: 'orphan' }), /version 1, which is not registered/);
      assert.equal((await r.inspect('versioned', 'orphan')).error?.code, 'HERALD_E_NONDETERMINISTIC');
      await r.close();
      await b.done();
    });

    it('fences two runs of one instance: the second to record a step at the same revision is refused', async () => {
      const b = await openBackend(backend);
      const stream = 'workflow-fence:1';
      await b.log.streams.appendToStream(stream, [historyEvent(stream, 'urn:test', { type: 'workflow.started', data: {} })]);
      const one = new Recorder(b.log.streams, stream, 1);
      const two = new Recorder(b.log.streams, stream, 1);
      const step = (): ReturnType<typeof historyEvent> => historyEvent(stream, 'urn:test', { type: 'workflow.step.scheduled', data: { seq: 0, name: 'a', attempt: 1 } });
      await one.append([step()]);
      await assert.rejects(two.append([step()]), FencedOut);
      const signal = historyEvent(stream, 'urn:test', { type: 'workflow.signal.received', data: { name: 'x' } });
      await b.log.streams.appendToStream(stream, [signal]);
      await one.append([step()]); // an input appended meanwhile is not a conflict
      assert.equal((await b.log.streams.streamInfo(stream))?.revision, 4);
      await b.done();
    });
  });
}
