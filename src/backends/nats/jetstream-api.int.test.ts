/**
 * The publish path's own pieces against a real server: `encodeEvent` writes its header block
 * itself (not through nats.js's `headers()`), so a subscriber must read back exactly what nats.js's
 * headers would carry; `many` times requests out with one timer for all of them, each at its own
 * deadline, and answers those that are answered.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connect, createInbox, type Msg, type NatsConnection } from '@nats-io/transport-node';
import { createEvent } from '../../core/envelope.js';
import { isHeraldError } from '../../core/errors.js';
import { requireService, SERVICE_URLS } from '../../../test/services.js';
import { JetStreamApi } from './jetstream-api.js';
import { encodeEvent, HEADER } from './layout.js';

const up = await requireService('nats');

describe('nats: the publish path', { skip: up ? false : 'NATS is not reachable; see test/services.ts for the start command' }, () => {
  let nc: NatsConnection;
  before(async () => { nc = await connect({ servers: SERVICE_URLS.nats, timeout: 3000 }); });
  after(async () => { await nc?.close(); });

  it('an encoded event arrives with its body and the headers nats.js reads back', async () => {
    const subject = createInbox();
    const sub = nc.subscribe(subject, { max: 1 });
    const event = createEvent({ type: 'placed', id: '  order-1 é  ', data: { total: 3, note: 'café' } });
    const { data, headers } = encodeEvent(event, 1_733_600_000_123);
    nc.publish(subject, data, { headers });
    let msg: Msg | undefined;
    for await (const m of sub) msg = m;
    assert.deepEqual(msg!.json(), JSON.parse(JSON.stringify(event)));
    // Values trimmed, as nats.js's MsgHdrs trims them (a retry's Nats-Msg-Id is the same either way).
    assert.equal(msg!.headers?.get(HEADER.msgId), 'order-1 é');
    assert.equal(msg!.headers?.get(HEADER.appendedAt), '1733600000123');
    assert.deepEqual(msg!.headers?.keys().sort(), [HEADER.appendedAt, HEADER.msgId].sort());
  });

  it('an id with a line break is refused as an invalid event naming the field', () => {
    assert.throws(() => encodeEvent(createEvent({ type: 'placed', id: 'a\r\nX-Injected: 1', data: {} }), 1),
      (error: unknown) => isHeraldError(error, 'HERALD_E_INVALID_EVENT') && error.details?.field === 'id');
  });

  it('requests nobody answers time out at their own deadline; answered ones are answered', async () => {
    const silent = createInbox();
    const echo = createInbox();
    nc.subscribe(silent, { callback: () => undefined });
    nc.subscribe(echo, { callback: (_e, m) => { m.respond(m.data); } });
    await nc.flush();
    const api = new JetStreamApi(nc, 300);
    const started = performance.now();
    const first = api.many([{ subject: silent, data: '1' }, { subject: echo, data: 'a' }]);
    await new Promise((resolve) => setTimeout(resolve, 150));
    const second = api.many([{ subject: silent, data: '2' }]);
    const [a, b] = await first;
    const firstAt = performance.now() - started;
    assert.ok(isHeraldError(a, 'HERALD_E_TIMEOUT'), 'the unanswered request of the first call times out');
    assert.equal((b as Msg).string(), 'a');
    const [c] = await second;
    const secondAt = performance.now() - started;
    assert.ok(isHeraldError(c, 'HERALD_E_TIMEOUT'), 'the second call times out');
    assert.ok(firstAt >= 290, `first timed out after ${firstAt} ms, before its deadline`);
    assert.ok(secondAt >= 440, `second timed out after ${secondAt} ms, before its own deadline`);
    const [d] = await api.many([{ subject: echo, data: 'b' }]);
    assert.equal((d as Msg).string(), 'b');
  });
});
