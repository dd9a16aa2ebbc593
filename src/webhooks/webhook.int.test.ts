import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import type { CloudEvent } from '../core/envelope.js';
import { isHeraldError } from '../core/errors.js';
import { openHerald, type Herald } from '../herald.js';
import type { DeadLetter } from '../log/shapes.js';
import { newWebhookSecret } from './signature.js';
import { startWebhook, type Webhook, type WebhookOptions } from './webhook.js';
import type { Resolver } from './target.js';
import { eventually } from '../workflow/test-support.js';

interface Received { path: string; headers: IncomingHttpHeaders; body: string }

/** A receiver on loopback that answers each request with the next status of `replies` (then 200). */
async function receiver(replies: (number | [number, Record<string, string>])[] = []): Promise<{ server: Server; port: number; got: Received[] }> {
  const got: Received[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => { body += c.toString(); });
    req.on('end', () => {
      got.push({ path: req.url ?? '', headers: req.headers, body });
      const next = replies.shift() ?? 200;
      const [status, headers] = Array.isArray(next) ? next : [next, {}];
      res.writeHead(status, headers).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port, got };
}


const deadLetters = async (h: Herald, topic: string, group: string): Promise<DeadLetter[]> => {
  const out: DeadLetter[] = [];
  for await (const d of h.deadLetters.list(topic, group)) out.push(d);
  return out;
};

const answer = (addresses: string[]): Resolver => async () => addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));

describe('outgoing webhooks (RELIABILITY S5)', () => {
  let dir: string;
  let herald: Herald;
  const servers: Server[] = [];
  const hooks: Webhook[] = [];
  const secret = newWebhookSecret();
  let n = 0;

  before(() => { dir = mkdtempSync(join(tmpdir(), 'herald-webhooks-')); });
  after(() => rmSync(dir, { recursive: true, force: true }));
  afterEach(async () => {
    await Promise.all(hooks.splice(0).map((h) => h.close()));
    await herald.close();
    servers.splice(0).forEach((s) => s.close());
  });

  async function setUp(replies?: Parameters<typeof receiver>[0]): Promise<{ port: number; got: Received[]; topic: string; options: (o?: Partial<WebhookOptions>) => WebhookOptions }> {
    herald = await openHerald({ path: join(dir, `h${++n}.db`), durability: 'os', watchdog: false });
    const r = await receiver(replies);
    servers.push(r.server);
    const topic = `orders${n}`;
    return {
      ...r, topic,
      options: (o = {}) => ({ name: 'crm', topic, url: `http://127.0.0.1:${r.port}/hook?token=sekrit-query`, secret, allow: ['127.0.0.1/32'], backoff: { initial: 10, max: 40 }, ...o }),
    };
  }

  const start = async (o: WebhookOptions): Promise<Webhook> => { const h = await startWebhook(herald, o); hooks.push(h); return h; };

  it('signs every request so that the standardwebhooks package verifies it, in key order, the event id as webhook-id', async () => {
    const { got, topic, options } = await setUp();
    await start(options());
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) ids.push((await herald.publish(topic, { type: 'order.placed', key: 'o-1', data: { i } })).id);
    await eventually(() => got.length === 20, '20 requests');
    const verifier = new StandardWebhook(secret);
    got.forEach((r, i) => {
      const verified = verifier.verify(r.body, r.headers as Record<string, string>) as CloudEvent<{ i: number }>;
      assert.equal(verified.data?.i, i);
      assert.equal(r.headers['webhook-id'], ids[i]);
      assert.equal(r.path, '/hook?token=sekrit-query');
      assert.match(String(r.headers['content-type']), /^application\/cloudevents\+json/);
    });
    const tampered = got[0]!.body.replace('"i":0', '"i":1');
    assert.throws(() => verifier.verify(tampered, got[0]!.headers as Record<string, string>), /signature/i);
    assert.throws(() => new StandardWebhook(newWebhookSecret()).verify(got[0]!.body, got[0]!.headers as Record<string, string>), /signature/i);
  });

  it('refuses loopback, private, link-local and mixed answers unless allow-listed; nothing is sent', async () => {
    const { got, port, options } = await setUp();
    const refused = async (o: Partial<WebhookOptions>, address: RegExp): Promise<void> => {
      await assert.rejects(start(options(o)), (e: unknown) => isHeraldError(e, 'HERALD_E_TARGET_REFUSED') && address.test(e.message) && !e.message.includes('sekrit'));
    };
    await refused({ allow: [] }, /127\.0\.0\.1/);
    await refused({ url: `http://[::1]:${port}/`, allow: ['127.0.0.1'] }, /::1/);
    await refused({ url: `http://[::ffff:127.0.0.1]:${port}/`, allow: [] }, /::ffff:7f00:1|127\.0\.0\.1/);
    for (const address of ['169.254.169.254', '10.1.2.3', '172.20.0.1', '192.168.1.1', '100.64.0.1', '0.0.0.0', 'fd00::1', 'fe80::1', '::ffff:169.254.169.254']) {
      await refused({ url: `http://hook.test:${port}/`, resolve: answer([address]) }, new RegExp(address.replace(/[.:]/g, '.')));
    }
    // DNS rebinding answers a public address and a private one: any private answer refuses the target.
    await refused({ url: `http://hook.test:${port}/`, resolve: answer(['93.184.216.34', '169.254.169.254']) }, /169\.254\.169\.254/);
    assert.equal(got.length, 0);
  });

  it('connects to the address it checked, and checks again on every attempt (a name rebound to a private address is dead-lettered)', async () => {
    const { got, topic, port, options } = await setUp();
    const answers = [['127.0.0.1'], ['127.0.0.1'], ['169.254.169.254']];
    let asked = 0;
    // `hook.test` is unknown to the system resolver: a request reaches the receiver only through the pinned, checked address.
    const resolve: Resolver = async () => { const a = answers[Math.min(asked++, answers.length - 1)]!; return a.map((address) => ({ address, family: 4 })); };
    await start(options({ url: `http://hook.test:${port}/in`, resolve, maxAttempts: 3 }));
    await herald.publish(topic, { type: 'a', key: 'k' });
    await eventually(() => got.length === 1, 'first request');
    assert.equal(got[0]!.headers.host, `hook.test:${port}`);
    await herald.publish(topic, { type: 'b', key: 'k' });
    await eventually(async () => (await deadLetters(herald, topic, 'webhook-crm')).length === 1, 'a dead letter');
    const [dl] = await deadLetters(herald, topic, 'webhook-crm');
    assert.equal(dl!.event.type, 'b');
    assert.equal(dl!.context.error.code, 'HERALD_E_TARGET_REFUSED');
    assert.equal(dl!.context.attempts, 1, 'a refused target is not retried');
    assert.equal(got.length, 1);
  });

  it('does not follow redirects: the event is dead-lettered at once and the other host gets nothing', async () => {
    const other = await receiver();
    servers.push(other.server);
    const { got, topic, options } = await setUp([[302, { location: `http://127.0.0.1:${other.port}/stolen` }], [307, { location: '/again' }]]);
    await start(options());
    await herald.publish(topic, { type: 'a', key: 'k1' });
    await herald.publish(topic, { type: 'b', key: 'k2' });
    await eventually(async () => (await deadLetters(herald, topic, 'webhook-crm')).length === 2, 'two dead letters');
    for (const dl of await deadLetters(herald, topic, 'webhook-crm')) {
      assert.equal(dl.context.error.code, 'HERALD_E_WEBHOOK_FAILED');
      assert.match(dl.context.error.message, /redirect \(30[27]\), which is not followed/);
      assert.equal(dl.context.attempts, 1);
    }
    assert.equal(got.length, 2);
    assert.equal(other.got.length, 0);
  });

  it('retries 5xx, 429 and unreachable endpoints; dead-letters other 4xx at once', async () => {
    const { got, topic, options } = await setUp([503, 429, 500, 200, 400]);
    await start(options({ maxAttempts: 5 }));
    await herald.publish(topic, { type: 'a', key: 'k' });
    await eventually(() => got.length === 4, 'four requests');
    await herald.publish(topic, { type: 'b', key: 'k' });
    await eventually(async () => (await deadLetters(herald, topic, 'webhook-crm')).length === 1, 'a dead letter');
    const [dl] = await deadLetters(herald, topic, 'webhook-crm');
    assert.equal(dl!.event.type, 'b');
    assert.equal(dl!.context.attempts, 1);
    assert.match(dl!.context.error.message, /answered 400/);
    assert.equal(got.length, 5);

    const closed = await receiver();
    await new Promise((r) => closed.server.close(r));
    await start(options({ name: 'gone', topic: `${topic}-x`, url: `http://127.0.0.1:${closed.port}/`, maxAttempts: 2 }));
    await herald.publish(`${topic}-x`, { type: 'c', key: 'k3' });
    await eventually(async () => (await deadLetters(herald, `${topic}-x`, 'webhook-gone')).length === 1, 'a dead letter');
    const [unreachable] = await deadLetters(herald, `${topic}-x`, 'webhook-gone');
    assert.equal(unreachable!.context.attempts, 2, 'retried');
    assert.match(unreachable!.context.error.message, /could not be reached: .*ECONNREFUSED/);
  });

  it('is disabled by a 410, stays disabled across a restart, and sends from where it stopped when enabled', async () => {
    const { got, topic, options } = await setUp([200, 410]);
    const disabled: string[] = [];
    const hook = await start(options({ onDisabled: (s) => disabled.push(s.reason ?? '') }));
    for (const type of ['a', 'b', 'c']) await herald.publish(topic, { type, key: 'k' });
    await eventually(() => hook.status().state === 'disabled', 'disabled');
    assert.deepEqual(disabled, ['the endpoint answered 410 Gone']);
    assert.equal(hook.status().url, `http://127.0.0.1:${/:(\d+)\//.exec(options().url)![1]}/hook`, 'the query (it may hold a token) is not shown');
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(got.map((r) => (JSON.parse(r.body) as CloudEvent).type), ['a', 'b']);
    await hook.close();

    const again = await start(options());
    assert.equal(again.status().state, 'disabled', 'the state is read back from the log');
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(got.length, 2);
    await again.enable();
    await eventually(() => got.length === 4, 'b and c');
    assert.deepEqual(got.map((r) => (JSON.parse(r.body) as CloudEvent).type), ['a', 'b', 'b', 'c']);
    assert.equal(got[1]!.headers['webhook-id'], got[2]!.headers['webhook-id'], 'a retry carries the same webhook-id');
    assert.equal((await deadLetters(herald, topic, 'webhook-crm')).length, 0);
  });

  it('rejects bad options with the field named and never repeats the secret', async () => {
    const { options } = await setUp();
    const invalid = async (o: Partial<WebhookOptions>, field: string): Promise<void> => {
      await assert.rejects(start(options(o)), (e: unknown) => isHeraldError(e, 'HERALD_E_INVALID_ARGUMENT') && e.details.field === field && !e.message.includes('c2Vrcml0'));
    };
    await invalid({ secret: 'whsec_c2Vrcml0' }, 'secret');
    await invalid({ secret: 'c2Vrcml0c2Vrcml0c2Vrcml0c2Vrcml0c2Vrcml0' }, 'secret');
    await invalid({ url: 'ftp://127.0.0.1/x' }, 'url');
    await invalid({ url: 'http://user:c2Vrcml0@127.0.0.1/x' }, 'url');
    await invalid({ url: 'not a url' }, 'url');
    await invalid({ allow: ['10.0.0.0/33'] }, 'allow[0]');
    await invalid({ allow: ['example.com'] }, 'allow[0]');
    await invalid({ topic: '' }, 'topic');
    await invalid({ name: 'has.dot' }, 'group');
  });
});
