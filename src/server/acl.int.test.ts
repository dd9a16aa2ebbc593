import { appendStarted } from '../workflow/start.js';
import { historyEvent } from '../workflow/recorder.js';
import { WORKFLOW_EVENTS } from '../workflow/index.js';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { newWebhookSecret } from '../webhooks/signature.js';
import { after, before, describe, it } from 'node:test';
import { createEvent } from '../core/envelope.js';
import { deadLetter } from '../log/dead-letters.js';
import { generateApiKey } from '../security/api-keys.js';
import { AUDIT_TOPIC } from '../security/audit.js';
import type { Action } from '../security/permissions.js';
import { ACTIONS } from '../security/permissions.js';
import { TenantLog } from '../security/tenant-log.js';
import type { RouteDef } from './route.js';
import { bearer, call, sse, testServer, wsProbe, type TestServer } from './test-helpers.js';

/**
 * RELIABILITY S1: the authorisation matrix, built from the route table. Every route is called
 * with no key, malformed keys, an unknown, an expired and a revoked key, a key missing the
 * route's action, a key whose pattern misses the topic, another tenant's key, and the right
 * key. Denials are 401/403 (never 2xx or 5xx) with nothing but the error in the body, each with
 * one audit entry; another tenant sees none of acme's data; the right key gets 2xx. A route
 * without a permission, or without a fixture here, fails the test.
 */
const MARKER = 'SECRET-ACME-7f3a';
interface Spec { method: string; path: string; body?: string; type?: string; kind?: 'sse' | 'ws' }
type Fixture = () => Promise<Spec>;

describe('authorisation matrix (every route × every credential)', () => {
  let t: TestServer;
  let acme: TenantLog;
  const keys: Record<string, string> = {};
  let acmeKeyId = '';
  let dlqPosition = 0;

  const newDeadLetter = async (): Promise<number> => {
    await acme.append('orders', [createEvent({ type: 'secret.thing', data: { marker: MARKER } })]);
    const [delivery] = await acme.fetch('orders', 'g', { max: 1, leaseMs: 60_000 });
    await deadLetter(acme, delivery!, { message: MARKER });
    return (await acme.topicInfo('orders.dlq.g'))!.head;
  };
  /** acme's schema, whose description only acme may see. */
  const acmeSchema = async (): Promise<void> => {
    await t.server.gateway.governance!.registry('acme').register('secret.thing', { type: 'object' }, { description: MARKER });
  };
  const json = (method: string, path: string, body: unknown): Spec => ({ method, path, body: JSON.stringify(body), type: 'application/json' });
  const dl = (p: number, tail = ''): string => `/v1/topics/orders/groups/g/dead-letters/${p}${tail}`;

  /** A workflow instance of acme's, running, or failed (what retry needs). */
  let instances = 0;
  const acmeInstance = async (failed = false): Promise<string> => {
    const id = `acl-${++instances}`;
    const ref = await appendStarted(acme.streams!, 'urn:acl', { workflow: 'acl', version: 1, id, input: {} });
    if (failed) await acme.streams!.appendToStream(ref.stream, [historyEvent(ref.stream, 'urn:acl', { type: WORKFLOW_EVENTS.failed, data: { error: { message: 'boom' } } })]);
    return `/v1/workflows/acl/instances/${id}`;
  };
  const fixtures: Record<string, Fixture> = {
    listWorkflowInstances: async () => { await acmeInstance(); return { method: 'GET', path: '/v1/workflows/instances' }; },
    inspectWorkflowInstance: async () => ({ method: 'GET', path: await acmeInstance() }),
    cancelWorkflowInstance: async () => json('POST', `${await acmeInstance()}/cancel`, {}),
    retryWorkflowInstance: async () => ({ method: 'POST', path: `${await acmeInstance(true)}/retry` }),
    signalWorkflowInstance: async () => json('POST', `${await acmeInstance()}/signals/go`, { payload: 1 }),
    healthz: async () => ({ method: 'GET', path: '/healthz' }),
    readyz: async () => ({ method: 'GET', path: '/readyz' }),
    openapi: async () => ({ method: 'GET', path: '/openapi.json' }),
    console: async () => ({ method: 'GET', path: '/' }),
    consoleAsset: async () => ({ method: 'GET', path: '/console/favicon.svg' }),
    info: async () => ({ method: 'GET', path: '/v1/info' }),
    publish: async () => ({ method: 'POST', path: '/v1/topics/orders/events', type: 'application/cloudevents-batch+json', body: JSON.stringify([createEvent({ type: 'x', data: 1 })]) }),
    readEvents: async () => ({ method: 'GET', path: '/v1/topics/orders/events?limit=50' }),
    topicInfo: async () => ({ method: 'GET', path: '/v1/topics/orders' }),
    fetch: async () => json('POST', '/v1/topics/orders/groups/reader/fetch', { max: 5, leaseMs: 1 }),
    settle: async () => json('POST', '/v1/topics/orders/groups/reader/settle', { settlements: [] }),
    streamEvents: async () => ({ method: 'GET', path: '/v1/topics/orders/events/stream?from=earliest', kind: 'sse' }),
    websocket: async () => ({ method: 'GET', path: '/v1/topics/orders/ws?from=earliest', kind: 'ws' }),
    listTopics: async () => ({ method: 'GET', path: '/v1/topics' }),
    setRetention: async () => json('PUT', '/v1/topics/orders/retention', {}),
    createTopic: async () => json('PUT', '/v1/topics/orders', { retention: {} }),
    deleteTopic: async () => {
      await acme.append('scratch', [createEvent({ type: 'x' })]);
      return { method: 'DELETE', path: '/v1/topics/scratch' };
    },
    applyRetention: async () => ({ method: 'POST', path: '/v1/retention/apply' }),
    listGroups: async () => ({ method: 'GET', path: '/v1/groups' }),
    topicGroups: async () => ({ method: 'GET', path: '/v1/topics/orders/groups' }),
    resetGroup: async () => json('POST', '/v1/topics/orders/groups/spare/reset', { to: 'latest' }),
    deleteGroup: async () => ({ method: 'DELETE', path: '/v1/topics/orders/groups/spare' }),
    listDeadLetters: async () => ({ method: 'GET', path: '/v1/topics/orders/groups/g/dead-letters' }),
    getDeadLetter: async () => ({ method: 'GET', path: dl(dlqPosition) }),
    redriveDeadLetter: async () => json('POST', dl(await newDeadLetter(), '/redrive'), {}),
    discardDeadLetter: async () => ({ method: 'DELETE', path: dl(await newDeadLetter()) }),
    requeue: async () => {
      const [first] = await (async () => { const out = []; for await (const e of acme.read('orders', { limit: 1 })) out.push(e); return out; })();
      return json('POST', '/v1/topics/orders/groups/spare/requeue', { event: first!.event, position: first!.position });
    },
    deleteEvent: async () => ({ method: 'DELETE', path: `/v1/topics/orders/events/${(await acme.append('orders', [createEvent({ type: 'x' })]))[0]!.position}` }),
    listKeys: async () => ({ method: 'GET', path: '/v1/keys' }),
    createKey: async () => json('POST', '/v1/keys', { permissions: ['read:orders'] }),
    revokeKey: async () => ({ method: 'DELETE', path: `/v1/keys/${(await t.server.keys!.create({ tenant: 'acme', permissions: ['read:x'] })).info.id}` }),
    audit: async () => ({ method: 'GET', path: '/v1/audit?limit=5' }),
    metrics: async () => ({ method: 'GET', path: '/metrics' }),
    lineage: async () => ({ method: 'GET', path: '/v1/lineage/flow-1?topics=orders' }),
    appendToStream: async () => ({ method: 'POST', path: '/v1/streams/orders-1/events', type: 'application/cloudevents-batch+json', body: JSON.stringify([createEvent({ type: 'x', data: 1 })]) }),
    readStream: async () => ({ method: 'GET', path: '/v1/streams/orders-1/events?limit=50' }),
    streamInfo: async () => ({ method: 'GET', path: '/v1/streams/orders-1' }),
    setStreamMetadata: async () => json('PUT', '/v1/streams/orders-1/metadata', { custom: { n: 1 } }),
    deleteStream: async () => ({ method: 'DELETE', path: '/v1/streams/orders-1' }),
    loadSnapshot: async () => {
      await acme.streams!.snapshots!.saveSnapshot('orders-1', { revision: 1, version: 1, state: { marker: MARKER } });
      return { method: 'GET', path: '/v1/streams/orders-1/snapshot' };
    },
    saveSnapshot: async () => json('PUT', '/v1/streams/orders-1/snapshot', { revision: 1, version: 1, state: {} }),
    readAll: async () => ({ method: 'GET', path: '/v1/all/events?limit=50' }),
    allHead: async () => ({ method: 'GET', path: '/v1/all' }),
    listSchemas: async () => { await acmeSchema(); return { method: 'GET', path: '/v1/schemas' }; },
    getSchemaType: async () => { await acmeSchema(); return { method: 'GET', path: '/v1/schemas/secret.thing' }; },
    getSchemaVersion: async () => { await acmeSchema(); return { method: 'GET', path: '/v1/schemas/secret.thing/versions/1' }; },
    registerSchema: async () => json('POST', '/v1/schemas/acl.thing', { schema: { type: 'object' } }),
    checkSchema: async () => json('POST', '/v1/schemas/acl.thing/check', { schema: { type: 'object' } }),
    setSchemaCompatibility: async () => json('PUT', '/v1/schemas/acl.thing/compatibility', { compatibility: 'FULL' }),
    catalog: async () => ({ method: 'GET', path: '/v1/catalog' }),
    asyncapi: async () => ({ method: 'GET', path: '/asyncapi.json' }),
    listWebhooks: async () => ({ method: 'GET', path: '/v1/webhooks' }),
    enableWebhook: async () => ({ method: 'POST', path: '/v1/webhooks/crm/enable' }),
    disableWebhook: async () => ({ method: 'POST', path: '/v1/webhooks/crm/disable' }),
  };
  /** Mutating routes aimed at acme's real resources when the request must be refused. */
  const victim: Record<string, Fixture> = {
    redriveDeadLetter: async () => json('POST', dl(dlqPosition, '/redrive'), {}),
    discardDeadLetter: async () => ({ method: 'DELETE', path: dl(dlqPosition) }),
    deleteEvent: async () => ({ method: 'DELETE', path: '/v1/topics/orders/events/1' }),
    revokeKey: async () => ({ method: 'DELETE', path: `/v1/keys/${acmeKeyId}` }),
  };

  const send = async (spec: Spec, headers: Record<string, string>): Promise<{ status: number; text: string }> => {
    if (spec.kind === 'sse') return sse(t.url + spec.path, headers);
    if (spec.kind === 'ws') return wsProbe(t.url + spec.path, headers);
    return call(t.url + spec.path, { method: spec.method, headers: { ...headers, ...(spec.type ? { 'content-type': spec.type } : {}) }, ...(spec.body ? { body: spec.body } : {}) });
  };

  let receiver: Server;
  before(async () => {
    // acme's webhook, whose URL only acme may see.
    receiver = createServer((req, res) => { req.resume(); req.on('end', () => res.end()); });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const webhooks = [{ tenant: 'acme', name: 'crm', topic: 'orders', url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/${MARKER}`, secret: newWebhookSecret(), allow: ['127.0.0.1'] }];
    t = await testServer({ limits: { authFailures: { perSecond: 10_000, burst: 10_000 } }, webhooks });
    acme = new TenantLog(t.log, 'acme');
    await acme.append('orders', [createEvent({ type: 'secret.thing', data: { marker: MARKER } })]);
    await acme.streams!.appendToStream('orders-1', [createEvent({ type: 'secret.thing', data: { marker: MARKER } })]);
    dlqPosition = await newDeadLetter();
    const acmeKey = await t.server.keys!.create({ tenant: 'acme', permissions: ['*:>'] });
    keys.right = acmeKey.key;
    acmeKeyId = acmeKey.info.id;
    keys.other = await t.key(['*:>'], 'globex');
    const revoked = await t.server.keys!.create({ tenant: 'acme', permissions: ['*:>'] });
    await t.server.keys!.revoke(revoked.info.id);
    keys.revoked = revoked.key;
    keys.expired = (await t.server.keys!.create({ tenant: 'acme', permissions: ['*:>'], expiresAt: new Date(Date.now() + 20) })).key;
    keys.unknown = generateApiKey().key;
    for (const action of ACTIONS) {
      keys[`without-${action}`] = await t.key(ACTIONS.filter((a) => a !== action).map((a) => `${a}:>`));
      keys[`narrow-${action}`] = await t.key([`${action}:orders.*`, `${action}:elsewhere`]);
    }
    await new Promise((r) => setTimeout(r, 30));
  });
  after(async () => { await t.close(); receiver.close(); });

  it('every route declares a permission and has a fixture in this matrix', () => {
    const kinds = new Set(['public', 'authenticated', 'topic', 'stream', 'tenant']);
    for (const def of t.server.routes) {
      assert.ok(def.permission && kinds.has(def.permission.kind), `${def.method} ${def.url} declares no permission`);
      assert.ok(fixtures[def.id], `${def.id} (${def.method} ${def.url}) has no fixture in the ACL matrix: add one`);
      if (def.permission.kind === 'topic') assert.match(def.url, /:topic\b/, `${def.id} is per topic but has no :topic`);
      if (def.permission.kind === 'stream') assert.match(def.url, /:stream\b/, `${def.id} is per stream but has no :stream`);
    }
  });

  it('denies every credential that must be denied, with nothing but the error in the body, and audits each', async () => {
    await t.server.gateway.audit.flush();
    const auditBefore = (await t.log.topicInfo(AUDIT_TOPIC))?.head ?? 0;
    let denials = 0;
    const refused = async (def: RouteDef, label: string, headers: Record<string, string>, expected: number): Promise<void> => {
      const spec = await (victim[def.id] ?? fixtures[def.id]!)();
      const answer = await send(spec, headers);
      const what = `${def.id} with ${label}`;
      assert.equal(answer.status, expected, `${what}: ${answer.text}`);
      const body = JSON.parse(answer.text) as Record<string, unknown>;
      assert.deepEqual(Object.keys(body), ['error'], `${what}: only the error`);
      assert.equal((body.error as { code: string }).code, expected === 401 ? 'HERALD_E_UNAUTHENTICATED' : 'HERALD_E_FORBIDDEN', what);
      assert.ok(!answer.text.includes(MARKER), `${what}: no data`);
      for (const key of Object.values(keys)) assert.ok(!answer.text.includes(key.slice(20)), `${what}: no secret`);
      denials++;
    };
    for (const def of t.server.routes) {
      if (def.permission.kind === 'public') continue;
      await refused(def, 'no key', {}, 401);
      for (const [label, value] of [['a malformed key', 'Bearer hk_nope'], ['a non-bearer header', `Basic ${keys.right!}`], ['a key of the wrong shape', `Bearer hk_${'A'.repeat(16)}_${'a'.repeat(43)}`], ['a huge token', `Bearer ${'x'.repeat(4000)}`]] as const) {
        await refused(def, label, { authorization: value }, 401);
      }
      for (const label of ['unknown', 'revoked', 'expired'] as const) await refused(def, `an ${label} key`, bearer(keys[label]!), 401);
      if (def.permission.kind === 'authenticated') continue;
      const action: Action = def.permission.action;
      await refused(def, `a key without ${action}`, bearer(keys[`without-${action}`]!), 403);
      await refused(def, `a key whose ${action} pattern misses`, bearer(keys[`narrow-${action}`]!), 403);
    }
    await t.server.gateway.audit.flush();
    const entries: { type: string; data: { status: number } }[] = [];
    for await (const e of t.log.read(AUDIT_TOPIC, { from: { position: auditBefore + 1 } })) entries.push(e.event as never);
    assert.equal(entries.filter((e) => e.type === 'herald.audit.denied').length, denials, 'one audit entry per denial');
    assert.ok(!JSON.stringify(entries).includes(keys.right!.slice(20)), 'no secret in the audit trail');
    assert.ok(t.server.keys!.authenticate(keys.right!).ok, 'the victim key was not revoked');
    assert.equal((await acme.topicInfo('orders.dlq.g'))?.first, dlqPosition > 1 ? 1 : dlqPosition, 'the victim dead letter is still there');
  });

  it('another tenant with every permission sees none of acme\'s data and changes none of it', async () => {
    const before = await acme.topicInfo('orders');
    const streamBefore = await acme.streams!.streamInfo('orders-1');
    for (const def of t.server.routes) {
      if (def.permission.kind === 'public') continue;
      const answer = await send(await (victim[def.id] ?? fixtures[def.id]!)(), bearer(keys.other!));
      assert.ok(answer.status < 500, `${def.id}: ${answer.status} ${answer.text}`);
      assert.ok(!answer.text.includes(MARKER), `${def.id} leaked acme's data to globex: ${answer.text.slice(0, 200)}`);
      if (def.id === 'revokeKey' || def.id === 'getDeadLetter') assert.equal(answer.status, 404, `${def.id}: acme's ids do not exist for globex`);
    }
    for (const topic of ['acme__orders', '>', '*', 'orders.>']) {
      const answer = await call(`${t.url}/v1/topics/${encodeURIComponent(topic)}/events`, { headers: bearer(keys.other!) });
      assert.equal(answer.status, 400, `topic ${topic}: ${answer.text}`);
    }
    assert.ok(t.server.keys!.authenticate(keys.right!).ok);
    assert.deepEqual(await acme.topicInfo('orders'), before, 'acme\'s topic is unchanged');
    assert.deepEqual(await acme.streams!.streamInfo('orders-1'), streamBefore, 'acme\'s stream is unchanged');
  });

  it('secrets never reach the logs: every key above, and one sent in the query, a header and a body of every route (S8)', async () => {
    const decoy = await t.key();
    for (const def of t.server.routes) {
      const spec = await fixtures[def.id]!();
      const sep = spec.path.includes('?') ? '&' : '?';
      await send({ ...spec, path: `${spec.path}${sep}access_token=${decoy}` }, { ...bearer(decoy), 'x-api-key': decoy, cookie: `key=${decoy}` });
    }
    await call(`${t.url}/v1/topics/orders/events`, { method: 'POST', headers: { ...bearer(decoy), 'content-type': 'application/cloudevents+json' }, body: `{"broken": "${decoy}"` });
    await call(`${t.url}/v1/topics/${decoy}/events`, { headers: bearer(decoy) });
    assert.ok(t.logs.length > 100, `the server logged (${t.logs.length} lines)`);
    const text = t.logs.join('');
    for (const [name, key] of Object.entries({ ...keys, decoy })) assert.ok(!text.includes(key.slice(20)), `the ${name} key's secret is in the logs`);
  });

  it('the right key gets 2xx on every route', async () => {
    for (const def of t.server.routes) {
      const answer = await send(await fixtures[def.id]!(), def.permission.kind === 'public' ? {} : bearer(keys.right!));
      assert.ok(answer.status >= 200 && answer.status < 300 || answer.status === 101, `${def.id}: ${answer.status} ${answer.text}`);
    }
  });
});
