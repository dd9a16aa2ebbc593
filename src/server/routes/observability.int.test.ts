import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Herald } from '../../herald.js';
import { Observability } from '../../observability/observability.js';
import { traceFlow, type Flow } from '../../observability/lineage.js';
import { parsePrometheusText, valueOf } from '../../observability/test-prometheus.js';
import { FAST, until } from '../../observability/test-support.js';
import { TenantLog } from '../../security/tenant-log.js';
import { bearer, call, testServer, type TestServer } from '../test-helpers.js';

/**
 * GET /metrics and GET /v1/lineage/:correlationId against a real server on loopback: tenant
 * isolation, permissions, the Prometheus text format, and the lineage a tenant's client recorded.
 */
describe('observability routes', () => {
  let t: TestServer;
  let acme: Herald;
  let flowId = '';
  const keys: Record<string, string> = {};

  before(async () => {
    t = await testServer();
    // acme's application: a client of the shared log through its tenant view, recording outcomes.
    acme = new Herald(new TenantLog(t.log, 'acme'), 'urn:acme', new Observability({ outcomes: true }));
    let done = false;
    acme.subscribe('orders', { ...FAST, group: 'payment' }, async (_event, ctx) => { await ctx.publish('payments', { type: 'payment.failed' }); });
    acme.subscribe('payments', { ...FAST, group: 'saga' }, () => { done = true; });
    flowId = (await acme.publish('orders', { type: 'order.placed', data: { card: 'SECRET-CARD' } })).id;
    await until(() => done, 'the flow');
    await acme.observability!.flush();
    await t.log.fetch('acme__orders', 'audit', { max: 1, leaseMs: 60_000 });
    keys.admin = await t.key(['*:>']);
    keys.ordersOnly = await t.key(['read:orders']);
    keys.publishOnly = await t.key(['publish:>']);
    keys.globex = await t.key(['*:>'], 'globex');
  });
  after(async () => {
    await acme.close();
    await t.close();
  });

  it('/metrics answers the tenant\'s gauges in the Prometheus text format, equal to what the log says', async () => {
    const answer = await call(`${t.url}/metrics`, { headers: bearer(keys.admin!) });
    assert.equal(answer.status, 200, answer.text);
    assert.equal(answer.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
    const m = parsePrometheusText(answer.text);
    const view = new TenantLog(t.log, 'acme');
    for (const g of await view.groups()) {
      assert.equal(valueOf(m, 'herald_consumer_lag_events', 'herald_consumer_lag_events', { topic: g.topic, group: g.group }), g.lag, `${g.topic}/${g.group}`);
    }
    assert.equal(valueOf(m, 'herald_consumer_lag_events', 'herald_consumer_lag_events', { topic: 'orders', group: 'audit' }), 1);
    assert.ok(valueOf(m, 'herald_consumer_oldest_unacked_age_seconds', 'herald_consumer_oldest_unacked_age_seconds', { topic: 'orders', group: 'audit' })! >= 0);
    assert.equal(valueOf(m, 'herald_topic_events', 'herald_topic_events', { topic: 'orders' }), 1);
    assert.ok(!answer.text.includes('acme__'), 'topics are named as the tenant knows them');
    assert.ok(!answer.text.includes('herald.keys'), 'no server-internal topic');
    const other = await call(`${t.url}/metrics`, { headers: bearer(keys.globex!) });
    assert.equal(other.status, 200);
    assert.ok(!other.text.includes('orders'), 'another tenant sees none of acme\'s topics');
    assert.equal((await call(`${t.url}/metrics`, { headers: bearer(keys.ordersOnly!) })).status, 403);
  });

  it('/v1/lineage returns the flow the tenant\'s handlers recorded, as traceFlow does', async () => {
    const answer = await call<Flow>(`${t.url}/v1/lineage/${flowId}`, { headers: bearer(keys.admin!) });
    assert.equal(answer.status, 200, answer.text);
    const flow = answer.body;
    assert.equal(flow.events, 2);
    assert.equal(flow.roots[0]!.event.type, 'order.placed');
    assert.equal(flow.roots[0]!.children[0]!.event.type, 'payment.failed');
    assert.deepEqual(flow.roots[0]!.handlings.map((h) => [h.group, h.outcome]), [['payment', 'ok']]);
    assert.deepEqual(JSON.parse(JSON.stringify(await traceFlow(new TenantLog(t.log, 'acme'), undefined, flowId))), flow);
    const text = await call(`${t.url}/v1/lineage/${flowId}?format=text`, { headers: bearer(keys.admin!) });
    assert.match(text.text, /└─ order\.placed {2}orders#1/);
  });

  it('/v1/lineage reads only what the key may read, and nothing of another tenant', async () => {
    const narrow = await call<Flow>(`${t.url}/v1/lineage/${flowId}`, { headers: bearer(keys.ordersOnly!) });
    assert.equal(narrow.status, 200, narrow.text);
    assert.equal(narrow.body.events, 1, 'payments is not readable with read:orders');
    assert.ok(!narrow.text.includes('saga'), 'nor what the saga group did with it');
    const refused = await call(`${t.url}/v1/lineage/${flowId}?topics=orders,payments`, { headers: bearer(keys.ordersOnly!) });
    assert.equal(refused.status, 403);
    assert.equal((await call(`${t.url}/v1/lineage/${flowId}`, { headers: bearer(keys.publishOnly!) })).status, 403);
    const globex = await call<Flow>(`${t.url}/v1/lineage/${flowId}`, { headers: bearer(keys.globex!) });
    assert.equal(globex.status, 200);
    assert.equal(globex.body.events, 0);
    assert.ok(!globex.text.includes('SECRET-CARD'));
    assert.equal((await call(`${t.url}/v1/lineage/${flowId}?topics=a__b`, { headers: bearer(keys.admin!) })).status, 400);
  });
});
