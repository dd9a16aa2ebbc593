/**
 * msg-headers.ts reads headers from nats.js's private header block: against a real server, it
 * must give what `msg.headers` gives, and take that fast path with the nats.js herald ships with
 * (a nats.js that keeps the block elsewhere makes this fail, not just run slower).
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { connect, createInbox, headers, type Msg, type NatsConnection } from '@nats-io/transport-node';
import { requireService, SERVICE_URLS } from '../../../test/services.js';
import { headerValue, readsHeaderBlock, statusOf } from './msg-headers.js';
import { deleteStreams, uniquePrefix } from './test-helpers.js';

const prefixes: string[] = [];
after(() => deleteStreams(prefixes).then(() => undefined));

/** The first message that arrives on a fresh inbox after `send` publishes to it. */
async function receive(nc: NatsConnection, send: (inbox: string) => void): Promise<Msg> {
  const inbox = createInbox();
  const sub = nc.subscribe(inbox, { max: 1 });
  send(inbox);
  for await (const msg of sub) return msg;
  throw new Error('no message');
}

describe('nats: header reads', () => {
  it('values and status codes as msg.headers has them, read from the header block', async (t) => {
    if (!(await requireService('nats', (m) => t.skip(m)))) return;
    const nc = await connect({ servers: SERVICE_URLS.nats, timeout: 3000 });
    try {
      const h = headers();
      h.append('Nats-Msg-Id', 'id-1');
      h.append('Herald-Appended-At', '1765000000123');
      h.append('Herald-Note', 'ünïcode value');
      const msg = await receive(nc, (inbox) => nc.publish(inbox, 'data', { headers: h }));
      assert.ok(readsHeaderBlock(msg), 'the fast path is taken');
      for (const name of ['Nats-Msg-Id', 'Herald-Appended-At', 'Herald-Note']) assert.equal(headerValue(msg, name), msg.headers!.get(name), name);
      assert.equal(headerValue(msg, 'Herald-Missing'), undefined);
      assert.equal(headerValue(msg, 'herald-appended-at'), undefined, 'names match exactly, as msg.headers.get does');
      assert.equal(statusOf(msg), 0);

      const plain = await receive(nc, (inbox) => nc.publish(inbox, 'no headers'));
      assert.equal(headerValue(plain, 'Nats-Msg-Id'), undefined);
      assert.equal(statusOf(plain), 0);

      // A pull on an empty consumer is answered with a status message: 404 No Messages.
      const prefix = uniquePrefix('mh');
      prefixes.push(prefix);
      const stream = `${prefix}_S`;
      await nc.request(`$JS.API.STREAM.CREATE.${stream}`, JSON.stringify({ name: stream, subjects: [`${prefix}.s`], storage: 'memory' }), { timeout: 5000 });
      await nc.request(`$JS.API.CONSUMER.DURABLE.CREATE.${stream}.c`, JSON.stringify({ stream_name: stream, config: { durable_name: 'c', ack_policy: 'explicit' } }), { timeout: 5000 });
      const status = await receive(nc, (inbox) => nc.publish(`$JS.API.CONSUMER.MSG.NEXT.${stream}.c`, JSON.stringify({ batch: 1, no_wait: true }), { reply: inbox }));
      assert.equal(statusOf(status), 404);
      assert.equal(statusOf(status), status.headers!.code);
    } finally {
      await nc.close();
    }
  });
});
