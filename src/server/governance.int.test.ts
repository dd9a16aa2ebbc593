import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { z } from 'zod';
import { createEvent, type CloudEvent } from '../core/envelope.js';
import { MemoryLog } from '../log/memory/index.js';
import { KeyRing, signEvent, type SigningKey } from '../security/signing.js';
import { startServer, type HeraldServer } from './server.js';
import { call } from './test-helpers.js';

const hmac: SigningKey = { id: 'k1', algorithm: 'hmac-sha256', secret: 'whsec_' + Buffer.alloc(32, 7).toString('base64') };
const pair = generateKeyPairSync('ed25519');
const ed: SigningKey = { id: 'ed1', algorithm: 'ed25519', privateKey: pair.privateKey };
const v1 = z.toJSONSchema(z.object({ orderId: z.string(), total: z.number().positive() }));

interface AsyncApiParser { parse(doc: unknown): Promise<{ document?: unknown; diagnostics: { severity: number; code: string; message: string; path: (string | number)[] }[] }> }
/** The official AsyncAPI parser (a devDependency), loaded by name so this file compiles before it is installed. */
async function asyncApiParser(): Promise<AsyncApiParser> {
  const name = '@asyncapi/parser';
  const mod = await import(name) as { Parser: new () => AsyncApiParser };
  return new mod.Parser();
}

describe('server governance: schema registry, validation, signatures, catalog', () => {
  let server: HeraldServer;
  let log: MemoryLog;
  const post = (path: string, body: unknown, type = 'application/json'): ReturnType<typeof call> =>
    call(server.url + path, { method: 'POST', headers: { 'content-type': type }, body: JSON.stringify(body) });
  const publish = (topic: string, events: unknown[]): ReturnType<typeof call> => post(`/v1/topics/${topic}/events`, events, 'application/cloudevents-batch+json');

  before(async () => {
    log = new MemoryLog();
    server = await startServer({
      log, dev: true, port: 0, logger: false,
      governance: { signatures: { keys: [{ id: 'k1', algorithm: 'hmac-sha256', secret: hmac.secret }, { id: 'ed1', algorithm: 'ed25519', publicKey: pair.publicKey }], require: [{ topics: 'payments.>' }, { topics: 'refunds', keys: ['ed1'] }] } },
    });
  });
  after(async () => {
    await server.close();
    await log.close();
  });

  it('registers versions, refuses an incompatible one with a reason per breaking change, and checks without writing', async () => {
    const first = await post('/v1/schemas/order.placed', { schema: v1, owner: 'team-orders' });
    assert.equal(first.status, 201, first.text);
    assert.equal((first.body as { version: { version: number } }).version.version, 1);
    const again = await post('/v1/schemas/order.placed', { schema: v1 });
    assert.equal(again.status, 200, 'the same schema again changes nothing');
    const breaking = z.toJSONSchema(z.object({ orderId: z.string(), total: z.number().int(), currency: z.string() }));
    const refused = await post('/v1/schemas/order.placed', { schema: breaking });
    assert.equal(refused.status, 409, refused.text);
    const error = (refused.body as { error: { code: string; message: string; details: { reasons: string[] } } }).error;
    assert.equal(error.code, 'HERALD_E_INCOMPATIBLE_SCHEMA');
    assert.match(error.message, /data\.currency: required field added/);
    assert.match(error.message, /data\.total: type narrowed/);
    assert.equal(error.details.reasons.length, 2);
    const checked = await post('/v1/schemas/order.placed/check', { schema: breaking });
    assert.equal(checked.status, 200);
    assert.equal((checked.body as { compatible: boolean }).compatible, false);
    const ok = await post('/v1/schemas/order.placed', { schema: z.toJSONSchema(z.object({ orderId: z.string(), total: z.number().positive(), note: z.string().optional() })) });
    assert.equal(ok.status, 201, ok.text);
    const listed = await call(`${server.url}/v1/schemas`);
    assert.deepEqual((listed.body as { types: unknown[] }).types, [{ type: 'order.placed', compatibility: 'BACKWARD', versions: [1, 2], latest: 2, owner: 'team-orders' }]);
    const mode = await call(`${server.url}/v1/schemas/order.placed/compatibility`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ compatibility: 'FULL' }) });
    assert.equal(mode.status, 200);
    assert.equal((await call<{ compatibility: string }>(`${server.url}/v1/schemas/order.placed`)).body.compatibility, 'FULL');
    const bad = await call(`${server.url}/v1/schemas/order.placed/compatibility`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ compatibility: 'SIDEWAYS' }) });
    assert.equal(bad.status, 400);
  });

  it('refuses published events that do not match their registered schema, naming the field; a batch is all or nothing', async () => {
    const good = createEvent({ type: 'order.placed', data: { orderId: 'o-1', total: 5 }, extensions: { dataversion: 1 } });
    const wrong = createEvent({ type: 'order.placed', data: { orderId: 'o-2', total: -1 }, extensions: { dataversion: 1 } });
    const missing = createEvent({ type: 'order.placed', data: { orderId: 'o-3' }, extensions: { dataversion: 2 } });
    const refused = await publish('orders', [good, wrong, missing]);
    assert.equal(refused.status, 400, refused.text);
    assert.match(refused.text, /events\[1\]\.data\.total: must be > 0/);
    assert.equal((await log.topicInfo('orders'))?.head ?? 0, 0, 'nothing appended');
    const single = await post('/v1/topics/orders/events', missing, 'application/cloudevents+json');
    assert.match(single.text, /event\.data\.total: is required/);
    const unknownVersion = await publish('orders', [createEvent({ type: 'order.placed', data: {}, extensions: { dataversion: 9 } })]);
    assert.match(unknownVersion.text, /no registered version 9/);
    assert.equal((await publish('orders', [good, createEvent({ type: 'unregistered.type', data: { any: 1 } })])).status, 200);
    const binary = await call(`${server.url}/v1/topics/orders/events`, {
      method: 'POST', body: JSON.stringify({ orderId: 'o-4', total: 'lots' }),
      headers: { 'content-type': 'application/json', 'ce-specversion': '1.0', 'ce-id': 'b-1', 'ce-source': 's', 'ce-type': 'order.placed', 'ce-dataversion': '1' },
    });
    assert.equal(binary.status, 400);
    assert.match(binary.text, /data\.total: must be number/);
  });

  it('checks stream appends like publishes: an invalid event is refused and the stream is not written', async () => {
    const wrong = createEvent({ type: 'order.placed', data: { orderId: 'o-9', total: -3 }, extensions: { dataversion: 1 } });
    const refused = await post('/v1/streams/order-9/events', [wrong], 'application/cloudevents-batch+json');
    assert.equal(refused.status, 400, refused.text);
    assert.match(refused.text, /data\.total: must be > 0/);
    assert.equal(await log.streams.streamInfo('order-9'), undefined, 'nothing appended');
    const good = createEvent({ type: 'order.placed', data: { orderId: 'o-9', total: 3 }, extensions: { dataversion: 1 } });
    assert.equal((await post('/v1/streams/order-9/events', [good], 'application/cloudevents-batch+json')).status, 200);
  });

  it('refuses unsigned, tampered, replayed, stale and wrongly-keyed events on signed topics', async () => {
    const event = (id: string): CloudEvent => createEvent({ id, type: 'payment.captured', data: { orderId: 'o-1', amount: 5 } });
    const signed = signEvent(event('p-1'), hmac);
    assert.equal((await publish('payments.eu', [signed])).status, 200);
    const unsigned = await publish('payments.eu', [event('p-2')]);
    assert.equal(unsigned.status, 400);
    assert.match(unsigned.text, /HERALD_E_BAD_SIGNATURE.*not signed/);
    const tampered = await publish('payments.eu', [{ ...signEvent(event('p-3'), hmac), data: { orderId: 'o-1', amount: 5000 } }]);
    assert.equal(tampered.status, 400);
    assert.match(tampered.text, /does not verify/);
    const replayed = await publish('payments.eu', [signed]);
    assert.equal(replayed.status, 409, replayed.text);
    assert.match(replayed.text, /HERALD_E_REPLAYED/);
    const stale = await publish('payments.eu', [signEvent(event('p-4'), hmac, Date.now() - 6 * 60_000)]);
    assert.equal(stale.status, 400);
    assert.match(stale.text, /outside the 300 s tolerance/);
    const future = await publish('payments.eu', [signEvent(event('p-5'), hmac, Date.now() + 6 * 60_000)]);
    assert.equal(future.status, 400);
    assert.equal((await publish('refunds', [signEvent(event('r-1'), hmac)])).status, 400, 'refunds accept only ed1');
    assert.equal((await publish('refunds', [signEvent(event('r-2'), ed)])).status, 200);
    assert.equal((await publish('refunds', [signEvent(event('r-3'), [hmac, ed])])).status, 200, 'one allowed signature among several');
    assert.equal((await publish('other', [event('x-1')])).status, 200, 'topics without a policy take unsigned events');
    assert.equal((await log.topicInfo('payments.eu'))?.head, 1, 'only the valid event was appended');
  });

  it('appends a signed event without the attributes added after signing (structured and binary mode): every reader sees only signed content', async () => {
    const ring = new KeyRing([{ id: 'k1', algorithm: 'hmac-sha256', secret: hmac.secret }]);
    const payment = (id: string): CloudEvent => signEvent(createEvent({ id, type: 'payment.captured', data: { orderId: 'o-5', amount: 7 } }), hmac);
    const structured = payment('s-1');
    assert.equal((await publish('payments.strip', [{ ...structured, approvedby: 'mallory', traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' }])).status, 200);
    // Binary mode: each attribute a ce-* header (heraldts arrives as a string), one header added on the way.
    const binary = payment('b-1');
    const headers: Record<string, string> = { 'content-type': String(binary.datacontenttype ?? 'application/json'), 'ce-approvedby': 'mallory' };
    for (const [name, value] of Object.entries(binary)) if (name !== 'data' && name !== 'datacontenttype') headers[`ce-${name}`] = String(value);
    const sent = await call(`${server.url}/v1/topics/payments.strip/events`, { method: 'POST', headers, body: JSON.stringify(binary.data) });
    assert.equal(sent.status, 200, sent.text);
    const read = await call<{ events: { event: CloudEvent }[] }>(`${server.url}/v1/topics/payments.strip/events`);
    assert.deepEqual(read.body.events.map((e) => e.event.id), ['s-1', 'b-1']);
    for (const { event } of read.body.events) {
      assert.equal(event.approvedby, undefined, `${event.id}: the unsigned extension was not stored`);
      assert.equal(ring.verify(event), 'k1', `${event.id}: what was stored still verifies`);
      assert.equal(event.heraldsig, (event.id === 's-1' ? structured : binary).heraldsig, 'the signature extensions are kept');
    }
    assert.ok(read.body.events[0]!.event.traceparent, 'the trace context is kept (never signed: tracing rewrites it)');
    assert.equal((await publish('other', [{ ...createEvent({ id: 'x-2', type: 't', data: 1 }), approvedby: 'anyone' }])).status, 200);
    const other = await call<{ events: { event: CloudEvent }[] }>(`${server.url}/v1/topics/other/events`);
    assert.equal(other.body.events.find((e) => e.event.id === 'x-2')?.event.approvedby, 'anyone', 'a topic without a policy stores what it is given');
  });

  it('applies the same checks to events published over the WebSocket (signature, replay, strip, schema)', async () => {
    const socket = new WebSocket(`${server.url.replace(/^http/, 'ws')}/v1/topics/payments.ws/ws`);
    const answers = new Map<string, { op: string; error?: { code: string } }>();
    socket.on('message', (data: Buffer) => {
      const frame = JSON.parse(data.toString()) as { op: string; ref?: string; error?: { code: string } };
      if (frame.ref !== undefined) answers.set(frame.ref, frame);
    });
    await once(socket, 'open');
    const answer = async (ref: string, events: unknown[]): Promise<{ op: string; error?: { code: string } }> => {
      socket.send(JSON.stringify({ op: 'publish', ref, events }));
      for (let waited = 0; !answers.has(ref); waited += 10) {
        if (waited > 5_000) throw new Error(`no answer to ${ref}`);
        await new Promise((r) => setTimeout(r, 10));
      }
      return answers.get(ref)!;
    };
    try {
      const payment = (id: string): CloudEvent => createEvent({ id, type: 'payment.captured', data: { orderId: 'o-6', amount: 3 } });
      assert.equal((await answer('unsigned', [payment('w-1')])).error?.code, 'HERALD_E_BAD_SIGNATURE');
      const signed = signEvent(payment('w-2'), hmac);
      assert.equal((await answer('signed', [{ ...signed, approvedby: 'mallory' }])).op, 'receipts');
      assert.equal((await answer('replayed', [signed])).error?.code, 'HERALD_E_REPLAYED');
      const stored = [];
      for await (const e of log.read('payments.ws')) stored.push(e.event);
      assert.deepEqual(stored.map((e) => [e.id, e.approvedby]), [['w-2', undefined]], 'only the signed event, without the unsigned attribute');
    } finally {
      socket.close();
    }
    const orders = new WebSocket(`${server.url.replace(/^http/, 'ws')}/v1/topics/orders/ws`);
    await once(orders, 'open');
    orders.send(JSON.stringify({ op: 'publish', ref: 'bad', events: [createEvent({ type: 'order.placed', data: { orderId: 'o-7', total: -1 }, extensions: { dataversion: 1 } })] }));
    const [data] = await once(orders, 'message') as [Buffer];
    orders.close();
    assert.equal((JSON.parse(data.toString()) as { error?: { code: string } }).error?.code, 'HERALD_E_INVALID_EVENT', 'the registered schema applies too');
  });

  it('serves an AsyncAPI 3.0 catalog that the official parser validates', async () => {
    await publish('orders', [createEvent({ type: 'order.placed', source: 'urn:svc:checkout', data: { orderId: 'o-9', total: 9 }, extensions: { dataversion: 2 } })]);
    await log.fetch('orders', 'billing', { max: 1, leaseMs: 1000 });
    const answer = await call<unknown>(`${server.url}/v1/catalog`);
    assert.equal(answer.status, 200, answer.text);
    const doc = answer.body as { asyncapi: string; channels: Record<string, { address: string }>; operations: Record<string, { action: string }>; components: { messages: Record<string, { payload: unknown; 'x-versions': unknown[] }> } };
    assert.equal(doc.asyncapi, '3.0.0');
    assert.equal(doc.channels.orders?.address, 'orders');
    assert.ok(Object.values(doc.operations).some((o) => o.action === 'send' && JSON.stringify(o).includes('urn:svc:checkout')), 'the producer is listed');
    assert.ok(Object.values(doc.operations).some((o) => o.action === 'receive' && JSON.stringify(o).includes('billing')), 'the consumer group is listed');
    assert.equal(doc.components.messages['order.placed']?.['x-versions'].length, 2);
    const parsed = await (await asyncApiParser()).parse(doc);
    const errors = parsed.diagnostics.filter((d) => d.severity === 0);
    assert.deepEqual(errors.map((d) => `${d.code} at ${d.path.join('.')}: ${d.message}`), []);
    assert.ok(parsed.document, 'the parser produced a document');
    assert.deepEqual((await call(`${server.url}/asyncapi.json`)).body, answer.body);
  });
});
