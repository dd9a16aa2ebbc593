import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import type { CloudEvent } from '../core/envelope.js';
import { newWebhookSecret } from '../webhooks/signature.js';
import { bearer, call, testServer, type TestServer } from './test-helpers.js';
import { eventually } from '../workflow/test-support.js';


describe('the server\'s outgoing webhooks', () => {
  const secret = newWebhookSecret();
  const got: { headers: IncomingHttpHeaders; body: string }[] = [];
  const replies = [200, 410];
  let receiver: Server;
  let t: TestServer;
  let acme = '';
  let globex = '';

  before(async () => {
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => { body += c.toString(); });
      req.on('end', () => { got.push({ headers: req.headers, body }); res.writeHead(replies.shift() ?? 204).end(); });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/in?token=query-secret`;
    t = await testServer({ backend: 'sqlite', webhooks: [{ tenant: 'acme', name: 'crm', topic: 'orders', url, secret, allow: ['127.0.0.1/32'], backoff: { initial: 10, max: 50 } }] });
    acme = await t.key(['*:>'], 'acme');
    globex = await t.key(['*:>'], 'globex');
  });
  after(async () => { await t.close(); receiver.close(); });

  const publish = async (type: string): Promise<void> => {
    const body = JSON.stringify({ specversion: '1.0', id: `id-${type}`, source: 'urn:test', type, data: { type } });
    const answer = await call(`${t.url}/v1/topics/orders/events`, { method: 'POST', headers: { ...bearer(acme), 'content-type': 'application/cloudevents+json' }, body });
    assert.equal(answer.status, 200, answer.text);
  };
  const list = async (key: string): Promise<{ name: string; state: string; reason?: string; url: string }[]> =>
    (await call<{ webhooks: { name: string; state: string; reason?: string; url: string }[] }>(`${t.url}/v1/webhooks`, { headers: bearer(key) })).body.webhooks;

  it('sends the tenant\'s events signed, is disabled by a 410, and resumes when enabled through the API', async () => {
    await publish('a');
    await eventually(() => got.length === 1, 'the first request');
    const verified = new StandardWebhook(secret).verify(got[0]!.body, got[0]!.headers as Record<string, string>) as CloudEvent;
    assert.equal(verified.type, 'a');
    await publish('b');
    await eventually(async () => (await list(acme))[0]?.state === 'disabled', 'disabled');
    const port = (receiver.address() as AddressInfo).port;
    assert.deepEqual(await list(acme), [{ name: 'crm', topic: 'orders', url: `http://127.0.0.1:${port}/in`, state: 'disabled', reason: 'the endpoint answered 410 Gone', tenant: 'acme' }], 'the query is not shown');
    assert.deepEqual(await list(globex), [], 'another tenant sees no webhook of acme');
    assert.equal((await call(`${t.url}/v1/webhooks/crm/enable`, { method: 'POST', headers: bearer(globex) })).status, 404);
    await publish('c');
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(got.length, 2, 'nothing is sent while disabled');

    const enabled = await call<{ state: string }>(`${t.url}/v1/webhooks/crm/enable`, { method: 'POST', headers: bearer(acme) });
    assert.equal(enabled.body.state, 'active');
    await eventually(() => got.length === 4, 'b and c');
    assert.deepEqual(got.map((r) => (JSON.parse(r.body) as CloudEvent).type), ['a', 'b', 'b', 'c']);

    const disabled = await call<{ state: string; reason: string }>(`${t.url}/v1/webhooks/crm/disable`, { method: 'POST', headers: bearer(acme) });
    assert.equal(disabled.body.state, 'disabled');
    assert.match(disabled.body.reason, /disabled through the API by /);
    assert.equal((await call(`${t.url}/v1/webhooks/nope/enable`, { method: 'POST', headers: bearer(acme) })).status, 404);
  });
});
