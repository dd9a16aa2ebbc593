import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { AUDIT_TOPIC, type AuditEntry } from '../security/audit.js';
import { signJwt, type JwtSigningKey } from '../security/jwt-encoding.js';
import { bearer, call, ce, publish, sse, testServer, wsProbe, type TestServer } from './test-helpers.js';

/**
 * JWT bearer tokens over real HTTP on loopback, beside API keys: HS256 and EdDSA accepted on
 * every kind of route, every bad token refused with the one 401 body, token grants and tenants
 * enforced like a key's, rate limits per `sub`, audit entries, and no token in any log line.
 */
const SECRET = 'jwt-int-test-secret-0123456789-abcdefghij';
const ISSUER = 'https://auth.test';
const ed = generateKeyPairSync('ed25519');
const publicPem = ed.publicKey.export({ type: 'spki', format: 'pem' }).toString();
const HS: JwtSigningKey = { alg: 'HS256', secret: SECRET };
const ED: JwtSigningKey = { alg: 'EdDSA', privateKey: ed.privateKey };
const now = (): number => Math.floor(Date.now() / 1000);
const token = (claims: Record<string, unknown> = {}, key: JwtSigningKey = HS, header?: Record<string, unknown>): string =>
  signJwt({ sub: 'svc-orders', tenant: 'acme', iss: ISSUER, aud: 'herald', exp: now() + 300, herald: ['*:>'], ...claims }, key, header);
const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
const jwtOptions = { hs256Secret: SECRET, ed25519PublicKey: publicPem, issuer: ISSUER, audience: 'herald', leewaySeconds: 0 };

describe('JWT bearer tokens', () => {
  let t: TestServer;
  const events = (url: string, auth: string, topic: string) => call<{ events: { event: { id: string } }[] }>(`${url}/v1/topics/${topic}/events`, { headers: bearer(auth) });
  const auditSince = async (position: number): Promise<AuditEntry[]> => {
    await t.server.gateway.audit.flush();
    const out: AuditEntry[] = [];
    for await (const e of t.log.read(AUDIT_TOPIC, { from: { position: position + 1 } })) out.push(e.event.data as AuditEntry);
    return out;
  };
  const auditHead = async (): Promise<number> => {
    await t.server.gateway.audit.flush();
    return (await t.log.topicInfo(AUDIT_TOPIC))?.head ?? 0;
  };

  before(async () => {
    t = await testServer({ jwt: jwtOptions, limits: { authFailures: { perSecond: 10_000, burst: 10_000 } } });
  });
  after(() => t.close());

  it('HS256 and EdDSA tokens publish, read, pull and settle; /v1/info names jwt:<sub>, the tenant and the grants', async () => {
    for (const [alg, key] of [['hs', HS], ['ed', ED]] as const) {
      const jwt = token({ sub: `svc-${alg}` }, key);
      const published = await publish(t.url, jwt, `orders.${alg}`, [ce(`${alg}-1`), ce(`${alg}-2`)]);
      assert.equal(published.status, 200, published.text);
      assert.deepEqual(published.body.receipts.map((r) => r.position), [1, 2]);
      const read = await events(t.url, jwt, `orders.${alg}`);
      assert.deepEqual(read.body.events.map((e) => e.event.id), [`${alg}-1`, `${alg}-2`]);
      const fetched = await call<{ deliveries: { position: number; leaseId: string }[] }>(`${t.url}/v1/topics/orders.${alg}/groups/billing/fetch`, { method: 'POST', headers: bearer(jwt), json: { max: 10, leaseMs: 30_000 } });
      assert.equal(fetched.body.deliveries.length, 2, fetched.text);
      const settlements = fetched.body.deliveries.map((d) => ({ kind: 'ack', position: d.position, leaseId: d.leaseId }));
      const settled = await call<{ outcomes: string[] }>(`${t.url}/v1/topics/orders.${alg}/groups/billing/settle`, { method: 'POST', headers: bearer(jwt), json: { settlements } });
      assert.deepEqual(settled.body.outcomes, ['ok', 'ok']);
      const info = await call<{ keyId: string; tenant: string; permissions: string[] }>(`${t.url}/v1/info`, { headers: bearer(jwt) });
      assert.deepEqual([info.body.keyId, info.body.tenant, info.body.permissions], [`jwt:svc-${alg}`, 'acme', ['*:>']]);
    }
  });

  it('API keys keep working beside tokens; a token and a key of the same tenant share its topics', async () => {
    const key = await t.key(['*:>'], 'acme');
    assert.equal((await publish(t.url, key, 'shared', [ce('from-key')])).status, 200);
    assert.deepEqual((await events(t.url, token(), 'shared')).body.events.map((e) => e.event.id), ['from-key']);
    const noTenant = await call<{ tenant: string }>(`${t.url}/v1/info`, { headers: bearer(token({ tenant: undefined })) });
    assert.equal(noTenant.body.tenant, 'default', 'a token without a tenant claim is in the default tenant');
  });

  it('every bad token gets the very same 401 body as no credential at all, and each is audited', async () => {
    const url = `${t.url}/v1/topics/orders.hs/events`;
    const reference = await call(url);
    assert.equal(reference.status, 401);
    const other = generateKeyPairSync('ed25519');
    const [h, p] = token().split('.') as [string, string];
    const bad: Record<string, string> = {
      'another secret': token({}, { alg: 'HS256', secret: `${SECRET}-rotated` }),
      'another Ed25519 key': token({}, { alg: 'EdDSA', privateKey: other.privateKey }),
      'a changed payload': `${h}.${b64({ sub: 'svc', tenant: 'globex', exp: now() + 300, herald: ['*:>'] })}.${token().split('.')[2]!}`,
      expired: token({ exp: now() - 1 }),
      'not yet valid': token({ nbf: now() + 120 }),
      'issued in the future': token({ iat: now() + 120 }),
      'another issuer': token({ iss: 'https://evil.test' }),
      'another audience': token({ aud: 'billing' }),
      'no audience': token({ aud: undefined }),
      'no exp': token({ exp: undefined }),
      'no permissions': token({ herald: undefined }),
      'a bad permission': token({ herald: ['steal:>'] }),
      'a bad tenant': token({ tenant: 'ACME' }),
      'alg none': `${b64({ alg: 'none', typ: 'JWT' })}.${p}.`,
      'alg none with a signature': `${b64({ alg: 'none', typ: 'JWT' })}.${p}.${b64('x')}`,
      'alg confusion (HS256 keyed with the public key)': token({}, { alg: 'HS256', secret: publicPem }),
      'typ at+jwt': token({}, HS, { typ: 'at+jwt' }),
      'two parts': `${h}.${p}`,
      'four parts': `${token()}.${h}`,
      'not base64url': `${h}.${p}.!!!`,
      'too long': token({ padding: 'x'.repeat(9000) }),
    };
    const before = await auditHead();
    for (const [label, jwt] of Object.entries(bad)) {
      const answer = await call(url, { headers: bearer(jwt) });
      assert.equal(answer.status, 401, label);
      assert.equal(answer.text, reference.text, `${label}: the same body, nothing to learn from it`);
      assert.ok(!answer.text.includes(jwt.split('.')[1] ?? jwt), `${label}: the token is not echoed`);
    }
    const denied = (await auditSince(before)).filter((e) => e.kind === 'denied' && e.status === 401);
    assert.equal(denied.length, Object.keys(bad).length, 'one audit entry per refused token');
    assert.ok(denied.every((e) => e.keyId === undefined), 'an unverified sub is never recorded as the caller');
  });

  it('token grants: each action needs a grant whose pattern matches the topic (403 otherwise)', async () => {
    const jwt = token({ sub: 'narrow', herald: ['publish:orders.>', 'read:orders.eu', 'subscribe:jobs', 'admin:ops.*'] });
    const route = {
      publish: (topic: string) => call(`${t.url}/v1/topics/${topic}/events`, { method: 'POST', headers: { ...bearer(jwt), 'content-type': 'application/cloudevents-batch+json' }, body: JSON.stringify([ce(`m-${topic}`)]) }),
      read: (topic: string) => call(`${t.url}/v1/topics/${topic}/events`, { headers: bearer(jwt) }),
      subscribe: (topic: string) => call(`${t.url}/v1/topics/${topic}/groups/g/fetch`, { method: 'POST', headers: bearer(jwt), json: { max: 1, leaseMs: 1_000 } }),
      admin: (topic: string) => call(`${t.url}/v1/topics/${topic}/retention`, { method: 'PUT', headers: bearer(jwt), json: {} }),
    };
    const matrix: [keyof typeof route, string, number][] = [
      ['publish', 'orders.eu', 200], ['publish', 'orders.eu.paid', 200], ['publish', 'orders', 403], ['publish', 'jobs', 403],
      ['read', 'orders.eu', 200], ['read', 'orders.us', 403], ['read', 'jobs', 403],
      ['subscribe', 'jobs', 200], ['subscribe', 'orders.eu', 403],
      ['admin', 'ops.x', 200], ['admin', 'ops.x.y', 403], ['admin', 'orders.eu', 403],
    ];
    for (const [action, topic, status] of matrix) {
      const answer = await route[action](topic);
      assert.equal(answer.status, status, `${action} ${topic}: ${answer.text}`);
      if (status === 403) assert.equal((answer.body as { error: { code: string } }).error.code, 'HERALD_E_FORBIDDEN');
    }
    for (const path of ['/v1/topics', '/v1/keys', '/v1/audit']) assert.equal((await call(`${t.url}${path}`, { headers: bearer(jwt) })).status, 403, `${path} needs admin on >`);
  });

  it('tenant isolation: a token of tenant A never reads or writes tenant B\'s topics', async () => {
    const a = token({ sub: 'a', tenant: 'tenant-a' });
    const b = token({ sub: 'b', tenant: 'tenant-b' });
    await publish(t.url, a, 'ledger', [ce('a-secret')]);
    await publish(t.url, b, 'ledger', [ce('b-own')]);
    assert.deepEqual((await events(t.url, a, 'ledger')).body.events.map((e) => e.event.id), ['a-secret']);
    assert.deepEqual((await events(t.url, b, 'ledger')).body.events.map((e) => e.event.id), ['b-own'], 'the same name is another topic');
    for (const topic of ['tenant-a__ledger', '>', 'ledger.>']) {
      assert.equal((await events(t.url, b, encodeURIComponent(topic))).status, 400, topic);
      assert.equal((await publish(t.url, b, encodeURIComponent(topic), [ce('intruder')])).status, 400, topic);
    }
    const listing = await call(`${t.url}/v1/topics`, { headers: bearer(b) });
    assert.ok(!listing.text.includes('a-secret') && !listing.text.includes('tenant-a'), listing.text);
    assert.deepEqual((await events(t.url, a, 'ledger')).body.events.map((e) => e.event.id), ['a-secret'], 'nothing was written into A');
  });

  it('a denied token request and a token\'s admin action are audited with jwt:<sub> and its tenant', async () => {
    const before = await auditHead();
    const reader = token({ sub: 'auditor', herald: ['read:>'] });
    assert.equal((await publish(t.url, reader, 'orders', [ce('nope')])).status, 403);
    assert.equal((await call(`${t.url}/v1/topics/orders/retention`, { method: 'PUT', headers: bearer(token({ sub: 'ops' })), json: {} })).status, 200);
    const entries = await auditSince(before);
    assert.ok(entries.some((e) => e.kind === 'denied' && e.status === 403 && e.keyId === 'jwt:auditor' && e.tenant === 'acme'), JSON.stringify(entries));
    assert.ok(entries.some((e) => e.kind === 'admin' && e.status === 200 && e.keyId === 'jwt:ops' && e.tenant === 'acme'), JSON.stringify(entries));
    const trail = await call(`${t.url}/v1/audit?limit=1000`, { headers: bearer(token()) });
    assert.ok(trail.text.includes('jwt:auditor'), 'the tenant sees it in its own audit trail');
  });

  it('SSE and WebSocket take the token in Authorization; a browser may pass it as a subprotocol', async () => {
    const jwt = token({ sub: 'streamer' });
    await publish(t.url, jwt, 'live', [ce('l-1')]);
    const stream = await sse(`${t.url}/v1/topics/live/events/stream?from=earliest`, bearer(jwt));
    assert.equal(stream.status, 200);
    assert.match(stream.text, /l-1/);
    const probe = await wsProbe(`${t.url}/v1/topics/live/ws?from=earliest`, bearer(jwt));
    assert.equal(probe.status, 101);
    assert.match(probe.text, /l-1/);
    const browser = new WebSocket(`${t.url.replace(/^http/, 'ws')}/v1/topics/live/ws?from=earliest`, ['herald.v1', jwt]);
    const frames: { op: string; ref?: string; event?: { id: string }; error?: { code: string } }[] = [];
    browser.on('message', (data: Buffer) => frames.push(JSON.parse(data.toString()) as never));
    await new Promise((resolve, reject) => { browser.once('open', resolve); browser.once('error', reject); });
    assert.equal(browser.protocol, 'herald.v1', 'the token is not echoed back as the protocol');
    browser.send(JSON.stringify({ op: 'publish', ref: 'p1', events: [ce('l-2')] }));
    for (let i = 0; i < 200 && !frames.some((f) => f.op === 'receipts'); i++) await new Promise((r) => setTimeout(r, 10));
    assert.ok(frames.some((f) => f.op === 'receipts' && f.ref === 'p1'), 'a token may publish over the socket');
    browser.close();
    const refused = await wsProbe(`${t.url}/v1/topics/live/ws`, bearer(token({ exp: now() - 5 })));
    assert.equal(refused.status, 401);
  });

  it('on an open WebSocket, a publish frame after the token expired is refused', async () => {
    const exp = now() + 2;
    const socket = new WebSocket(`${t.url.replace(/^http/, 'ws')}/v1/topics/short/ws`, { headers: bearer(token({ sub: 'brief', exp })) });
    const frames: { op: string; ref?: string; error?: { code: string } }[] = [];
    socket.on('message', (data: Buffer) => frames.push(JSON.parse(data.toString()) as never));
    await new Promise((resolve, reject) => { socket.once('open', resolve); socket.once('error', reject); });
    const answer = async (ref: string): Promise<{ op: string; error?: { code: string } }> => {
      socket.send(JSON.stringify({ op: 'publish', ref, events: [ce(ref)] }));
      for (let i = 0; i < 300; i++) {
        const frame = frames.find((f) => f.ref === ref);
        if (frame) return frame;
        await new Promise((r) => setTimeout(r, 10));
      }
      throw new Error(`no answer to ${ref}`);
    };
    assert.equal((await answer('before')).op, 'receipts');
    await new Promise((r) => setTimeout(r, Math.max(0, exp * 1000 - Date.now()) + 50));
    assert.equal((await answer('after')).error?.code, 'HERALD_E_UNAUTHENTICATED');
    socket.close();
  });

  it('a token never reaches the logs or an error body: in the header, the query, a cookie, a body; refusals log a reason only', async () => {
    const jwt = token({ sub: 'leaky', herald: ['read:orders'] });
    const expired = token({ exp: now() - 60 });
    const logsBefore = t.logs.length;
    const forbidden = await call(`${t.url}/v1/topics/secret/events?access_token=${jwt}`, { headers: { ...bearer(jwt), 'x-api-key': jwt, cookie: `token=${jwt}` } });
    assert.equal(forbidden.status, 403);
    const broken = await call(`${t.url}/v1/topics/orders/events`, { method: 'POST', headers: { ...bearer(token()), 'content-type': 'application/cloudevents+json' }, body: `{"broken": "${jwt}"` });
    assert.equal(broken.status, 400);
    assert.equal((await call(`${t.url}/v1/info`, { headers: bearer(expired) })).status, 401);
    for (const answer of [forbidden, broken]) assert.ok(!answer.text.includes(jwt.split('.')[2]!), answer.text);
    const text = t.logs.slice(logsBefore).join('');
    for (const part of [...jwt.split('.').slice(1), ...expired.split('.').slice(1)]) assert.ok(!text.includes(part), `a token part is in the logs: ${text}`);
    assert.match(text, /"credential":"jwt","reason":"expired"/, 'the operator learns why, at debug level');
    assert.match(text, /"keyId":"jwt:leaky"/, 'the denied request is logged with who it was');
  });
});

describe('JWT configuration', () => {
  const servers: TestServer[] = [];
  after(() => Promise.all(servers.map((s) => s.close())));
  const server = async (options: Parameters<typeof testServer>[0]): Promise<TestServer> => {
    const s = await testServer(options);
    servers.push(s);
    return s;
  };

  it('the rate limit is per sub: two tokens of one sub share a budget, another sub has its own', async () => {
    const t = await server({ jwt: jwtOptions, limits: { rate: { perSecond: 1, burst: 3 } } });
    const [first, second] = [token({ sub: 'busy', jti: '1' }), token({ sub: 'busy', jti: '2' })];
    assert.notEqual(first, second);
    const statuses = [];
    for (const jwt of [first, first, second, second]) statuses.push((await call(`${t.url}/v1/info`, { headers: bearer(jwt) })).status);
    assert.deepEqual(statuses, [200, 200, 200, 429]);
    assert.equal((await call(`${t.url}/v1/info`, { headers: bearer(token({ sub: 'calm' })) })).status, 200);
  });

  it('without JWT config a token is just an unknown key; an EdDSA-only server refuses HS256 tokens', async () => {
    const keysOnly = await server({});
    assert.equal((await call(`${keysOnly.url}/v1/info`, { headers: bearer(token()) })).status, 401);
    const edOnly = await server({ jwt: { ed25519PublicKey: publicPem } });
    const claims = { iss: undefined, aud: undefined };
    assert.equal((await call(`${edOnly.url}/v1/info`, { headers: bearer(token(claims, ED)) })).status, 200);
    assert.equal((await call(`${edOnly.url}/v1/info`, { headers: bearer(token(claims, HS)) })).status, 401);
    assert.equal((await call(`${edOnly.url}/v1/info`, { headers: bearer(token(claims, { alg: 'HS256', secret: publicPem })) })).status, 401, 'alg confusion');
  });

  it('--dev keeps its meaning: no credential needed; a bad JWT configuration stops the server from starting', async () => {
    const dev = await server({ dev: true, jwt: jwtOptions });
    assert.equal((await call(`${dev.url}/v1/info`)).status, 200);
    await assert.rejects(testServer({ jwt: { hs256Secret: 'too-short' } }), (e: Error) => /hs256Secret/.test(e.message) && !e.message.includes('too-short'));
  });
});
