import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defineWorkflow, startWorkflowRunner } from '../../workflow/index.js';
import { call, testServer } from '../test-helpers.js';

describe('workflow routes', () => {
  it('list, inspect, signal, cancel and retry instances of a runner that shares the server\'s log', async () => {
    const t = await testServer({ dev: true });
    let fail = true;
    const wf = defineWorkflow('http', async (ctx) => {
      await ctx.step('flaky', () => { if (fail) throw new Error('down'); }, { retry: { maxAttempts: 1 } });
      return ctx.waitForSignal<string>('go');
    });
    const runner = await startWorkflowRunner(t.log, { workflows: [wf], pollInterval: 20 });
    try {
      const ref = await runner.start(wf, {}, { id: 'a' });
      await assert.rejects(runner.result(ref), /down/);
      const listed = await call<{ instances: { id: string; status: string }[] }>(`${t.url}/v1/workflows/instances?workflow=http&status=failed`);
      assert.deepEqual(listed.body.instances.map((i) => [i.id, i.status]), [['a', 'failed']]);
      fail = false;
      assert.equal((await call(`${t.url}/v1/workflows/http/instances/a/retry`, { method: 'POST' })).status, 202);
      await new Promise((r) => setTimeout(r, 200));
      const signalled = await call(`${t.url}/v1/workflows/http/instances/a/signals/go`, { method: 'POST', json: { payload: 'yes' } });
      assert.equal(signalled.status, 202);
      assert.equal(await runner.result(ref), 'yes');
      const view = await call<{ status: string; steps: { name: string; attempts: { error?: { message: string } }[] }[] }>(`${t.url}/v1/workflows/http/instances/a`);
      assert.equal(view.body.status, 'completed');
      assert.equal(view.body.steps[0]!.attempts[0]!.error?.message, 'down');
      const refused = await call<{ error: { code: string } }>(`${t.url}/v1/workflows/http/instances/a/cancel`, { method: 'POST', json: {} });
      assert.deepEqual([refused.status, refused.body.error.code], [400, 'HERALD_E_INVALID_ARGUMENT']);

      const other = await runner.start(wf, {}, { id: 'b' });
      await new Promise((r) => setTimeout(r, 200));
      assert.equal((await call(`${t.url}/v1/workflows/http/instances/b/cancel`, { method: 'POST', json: { reason: 'no longer needed' } })).status, 202);
      await assert.rejects(runner.result(other), /no longer needed/);
      assert.equal((await call(`${t.url}/v1/workflows/http/instances/missing`)).status, 404);
    } finally {
      await runner.close();
      await t.close();
    }
  });
});
