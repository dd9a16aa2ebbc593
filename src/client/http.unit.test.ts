import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AppendWatch } from './append-watch.js';
import { Http, errorFromBody } from './http.js';

describe('remote client plumbing', () => {
  it('server errors come back as the HeraldError they were; unknown codes and bodies stay typed', () => {
    const known = errorFromBody(400, { error: { code: 'HERALD_E_INVALID_ARGUMENT', message: 'topic: bad', retryable: false, details: { field: 'topic' } } });
    assert.deepEqual([known.code, known.message, known.details.field], ['HERALD_E_INVALID_ARGUMENT', 'topic: bad', 'topic']);
    const newer = errorFromBody(503, { error: { code: 'HERALD_E_FROM_THE_FUTURE', message: 'm', retryable: true, details: {} } });
    assert.deepEqual([newer.code, newer.retryable, newer.details.serverCode], ['HERALD_E_UNAVAILABLE', true, 'HERALD_E_FROM_THE_FUTURE']);
    assert.equal(errorFromBody(502, '<html>bad gateway</html>').code, 'HERALD_E_UNAVAILABLE');
    assert.equal(errorFromBody(404, undefined).code, 'HERALD_E_INVALID_ARGUMENT');
  });

  it('an unreachable server is HERALD_E_UNAVAILABLE, and the message holds no key', async () => {
    const http = new Http('http://127.0.0.1:9', 'hk_0123456789abcdef_secretsecretsecretsecretsecretsecretsecret12', 2_000);
    await assert.rejects(http.request('GET', '/v1/info'), (e: Error & { code?: string }) => e.code === 'HERALD_E_UNAVAILABLE' && !e.message.includes('secret'));
  });

  it('onAppend: own appends at once, others\' by polling the head, nothing after unsubscribing', async () => {
    let head = 0;
    const watch = new AppendWatch(10, async () => head);
    let calls = 0;
    const off = watch.listen('t', () => { calls++; });
    await new Promise((r) => setTimeout(r, 30));
    watch.appended('t', 1);
    assert.equal(calls, 1, 'own append');
    head = 5;
    await new Promise((r) => setTimeout(r, 40));
    assert.equal(calls, 2, 'someone else appended');
    off();
    head = 9;
    await new Promise((r) => setTimeout(r, 40));
    assert.equal(calls, 2);
    watch.close();
  });
});
