import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connectRemoteLog } from '../client/index.js';
import { subscribe } from '../consumer/subscribe.js';
import { createEvent } from '../core/envelope.js';
import { bearer, call, ce, publish, testServer, type TestServer } from './test-helpers.js';

type Body = Record<string, never>;

/** The admin API: topics and retention, groups (lag, reset), dead letters (list, show, redrive, discard), keys, audit. */
describe('admin API', () => {
  let t: TestServer;
  let admin: string;
  const get = async <T = Body>(path: string, key = admin): Promise<T> => {
    const answer = await call<T>(`${t.url}${path}`, { headers: bearer(key) });
    assert.ok(answer.status < 300, `${path}: ${answer.text}`);
    return answer.body;
  };
  const send = async <T = Body>(method: string, path: string, json?: unknown, key = admin): Promise<{ status: number; body: T }> =>
    call<T>(`${t.url}${path}`, { method, headers: bearer(key), ...(json === undefined ? {} : { json }) });

  before(async () => {
    t = await testServer({ backend: 'sqlite' });
    admin = await t.key(['*:>']);
  });
  after(() => t.close());

  it('topics: list with counts, set retention, apply it', async () => {
    await publish(t.url, admin, 'orders', Array.from({ length: 10 }, (_, i) => ce(`o-${i}`)));
    await publish(t.url, admin, 'payments', [ce('p-1')]);
    const { topics } = await get<{ topics: { topic: string; count: number }[] }>('/v1/topics');
    assert.deepEqual(topics.map((x) => [x.topic, x.count]).sort(), [['orders', 10], ['payments', 1]]);
    assert.equal((await send('PUT', '/v1/topics/orders/retention', { maxCount: 4 })).status, 200);
    assert.deepEqual((await get<{ retention: unknown }>('/v1/topics/orders')).retention, { maxCount: 4 });
    assert.deepEqual((await send('POST', '/v1/retention/apply')).body, { removed: 6 });
    assert.equal((await get<{ count: number }>('/v1/topics/orders')).count, 4);
    const bad = await send<{ error: { details: { field: string } } }>('PUT', '/v1/topics/orders/retention', { maxCount: 0 });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.details.field, 'retention.maxCount');
    assert.equal((await send('GET', '/v1/topics/nothing')).status, 404);
  });

  it('groups: lag per group, reset to earliest/position/latest, delete', async () => {
    await send('POST', '/v1/topics/payments/groups/billing/fetch', { max: 10, leaseMs: 60_000 });
    const lag = async (): Promise<number | undefined> => (await get<{ groups: { group: string; lag: number }[] }>('/v1/topics/payments/groups')).groups.find((g) => g.group === 'billing')?.lag;
    assert.equal(await lag(), 1);
    assert.equal((await send('POST', '/v1/topics/payments/groups/billing/reset', { to: 'latest' })).status, 200);
    assert.equal(await lag(), 0);
    await send('POST', '/v1/topics/payments/groups/billing/reset', { to: { position: 1 } });
    assert.equal(await lag(), 1);
    assert.deepEqual((await get<{ groups: { topic: string; group: string }[] }>('/v1/groups')).groups.map((g) => `${g.topic}/${g.group}`), ['payments/billing']);
    assert.equal((await send('DELETE', '/v1/topics/payments/groups/billing')).status, 200);
    assert.equal(await lag(), undefined);
    assert.equal((await send<{ error: { details: { field: string } } }>('POST', '/v1/topics/payments/groups/billing/reset', { to: 'first' })).body.error.details.field, 'from');
  });

  it('dead letters: a remote consumer dead-letters; list, show, redrive (edited) and discard them', async () => {
    const log = await connectRemoteLog({ url: t.url, key: admin, pollMs: 20 });
    await log.append('shipments', [createEvent({ type: 'ship', key: 'k', data: { n: 1 } }), createEvent({ type: 'ship', key: 'j', data: { n: 2 } })]);
    let fixed = false;
    const handled: unknown[] = [];
    const sub = subscribe(log, 'shipments', { group: 'mail', maxAttempts: 1, pollInterval: 10 }, (event) => {
      if (!fixed) throw new Error('smtp down');
      handled.push(event.data);
    });
    const base = '/v1/topics/shipments/groups/mail/dead-letters';
    for (let i = 0; i < 200 && (await get<{ deadLetters: unknown[] }>(base)).deadLetters.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
    const { deadLetters } = await get<{ deadLetters: { dlqPosition: number; event: { data: unknown }; context: { error: { message: string }; topic: string } }[] }>(base);
    assert.equal(deadLetters.length, 2);
    assert.equal(deadLetters[0]!.context.error.message, 'smtp down');
    assert.equal(deadLetters[0]!.context.topic, 'shipments', 'the failure context names the topic as the tenant knows it');
    const [first, second] = deadLetters;
    assert.deepEqual((await get<{ event: { data: unknown } }>(`${base}/${first!.dlqPosition}`)).event.data, { n: 1 });
    fixed = true;
    const edited = { ...(first!.event as object), data: { n: 100 } };
    assert.equal((await send('POST', `${base}/${first!.dlqPosition}/redrive`, { event: edited })).status, 200);
    for (let i = 0; i < 200 && handled.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(handled, [{ n: 100 }], 'the edited event reached the group');
    assert.deepEqual((await send('DELETE', `${base}/${second!.dlqPosition}`)).body, { deleted: true });
    assert.deepEqual((await get<{ deadLetters: unknown[] }>(base)).deadLetters, []);
    assert.equal((await send('GET', `${base}/${second!.dlqPosition}`)).status, 404);
    await sub.close();
    await log.close();
  });

  it('keys: create (the secret is shown once), list (never a secret or hash), revoke; other tenants\' keys are invisible', async () => {
    const created = await send<{ key: string; info: { id: string; permissions: string[] } }>('POST', '/v1/keys', { permissions: ['read:orders'], name: 'reporting' });
    assert.equal(created.status, 201);
    const { key, info } = created.body;
    assert.deepEqual(info.permissions, ['read:orders']);
    assert.equal((await call(`${t.url}/v1/topics/orders/events`, { headers: bearer(key) })).status, 200);
    assert.equal((await call(`${t.url}/v1/topics/payments/events`, { headers: bearer(key) })).status, 403);
    const listed = await call(`${t.url}/v1/keys`, { headers: bearer(admin) });
    assert.ok(listed.text.includes(info.id) && !listed.text.includes(key.slice(20)) && !/"hash"/.test(listed.text));
    const other = await t.key(['*:>'], 'globex');
    assert.ok(!(await call(`${t.url}/v1/keys`, { headers: bearer(other) })).text.includes(info.id));
    assert.equal((await send('DELETE', `/v1/keys/${info.id}`, undefined, other)).status, 404, 'globex cannot revoke acme\'s key');
    assert.equal((await send('DELETE', `/v1/keys/${info.id}`)).status, 200);
    assert.equal((await call(`${t.url}/v1/topics/orders/events`, { headers: bearer(key) })).status, 401);
    assert.equal((await send<{ error: { details: { field: string } } }>('POST', '/v1/keys', { permissions: ['fly:>'] })).body.error.details.field, 'permissions[0]');
  });

  it('audit: every admin action and every denial of the tenant, none of another tenant\'s', async () => {
    const reader = await t.key(['read:>']);
    assert.equal((await send('PUT', '/v1/topics/orders/retention', {}, reader)).status, 403);
    await send('PUT', '/v1/topics/orders/retention', {});
    const globex = await t.key(['*:>'], 'globex');
    await send('PUT', '/v1/topics/orders/retention', {}, globex);
    const { entries } = await get<{ entries: { type: string; entry: { status: number; route: string; tenant: string; method: string } }[] }>('/v1/audit?limit=1000');
    const retention = entries.filter((e) => e.entry.route === '/v1/topics/:topic/retention');
    assert.ok(retention.some((e) => e.type === 'herald.audit.denied' && e.entry.status === 403));
    assert.ok(retention.some((e) => e.type === 'herald.audit.admin' && e.entry.status === 200));
    assert.ok(entries.some((e) => e.entry.route === '/v1/keys' && e.entry.method === 'POST'), 'key creation is audited');
    assert.ok(entries.every((e) => e.entry.tenant === 'acme'), 'only acme\'s entries');
  });
});
