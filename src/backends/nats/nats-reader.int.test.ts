/**
 * A read does not stop at an empty page before the stream's end (R11: in CI a read after a leader
 * kill returned 33,360 of 68,960 events, its R1 consumer on a replica still catching up). Here the
 * read's consumer is deleted under it, as a killed node loses it: the read makes a new one after
 * the last event it yielded and goes on to the end, each event once.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { connect } from '@nats-io/transport-node';
import { makeEvents } from '../../../test/conformance/helpers.js';
import { requireService, SERVICE_URLS } from '../../../test/services.js';
import { openNatsLog } from './index.js';
import { deleteStreams, uniquePrefix } from './test-helpers.js';

const prefix = uniquePrefix('r');
after(() => deleteStreams([prefix]).then(() => undefined));

describe('nats: a read whose consumer is lost', () => {
  it('goes on past the loss to the end of the stream, each event once, in order', async (t) => {
    if (!(await requireService('nats', (m) => t.skip(m)))) return;
    const log = await openNatsLog({ servers: SERVICE_URLS.nats, prefix });
    const nc = await connect({ servers: SERVICE_URLS.nats });
    try {
      const total = 2_000;
      for (let i = 0; i < total; i += 500) await log.append('audit', makeEvents(500, { start: i }));
      const stream = `${prefix}_audit`;
      const positions: number[] = [];
      let deleted = 0;
      for await (const e of log.read('audit')) {
        positions.push(e.position);
        if (positions.length === 100 || positions.length === 1_300) deleted += await deleteConsumers(nc, stream);
      }
      assert.equal(deleted, 2, 'the read had a consumer to lose, twice');
      assert.deepEqual(positions, Array.from({ length: total }, (_, i) => i + 1));
    } finally {
      await nc.close();
      await log.close();
    }
  });

  it('ends at the stream as it was when the read began, past deleted events at the tail', async (t) => {
    if (!(await requireService('nats', (m) => t.skip(m)))) return;
    const log = await openNatsLog({ servers: SERVICE_URLS.nats, prefix });
    const nc = await connect({ servers: SERVICE_URLS.nats });
    try {
      await log.append('tail', makeEvents(10));
      const stream = `${prefix}_tail`;
      for (const seq of [9, 10]) await nc.request(`$JS.API.STREAM.MSG.DELETE.${stream}`, JSON.stringify({ seq }), { timeout: 5_000 });
      const started = Date.now();
      const positions: number[] = [];
      for await (const e of log.read('tail')) {
        positions.push(e.position);
        if (positions.length === 4) await log.append('tail', makeEvents(3, { start: 10 }));
      }
      assert.deepEqual(positions, [1, 2, 3, 4, 5, 6, 7, 8], 'events appended during the read are left to the next read');
      assert.ok(Date.now() - started < 10_000, 'the deleted tail does not make the read wait for a catch-up');
    } finally {
      await nc.close();
      await log.close();
    }
  });
});

async function deleteConsumers(nc: Awaited<ReturnType<typeof connect>>, stream: string): Promise<number> {
  const names = (await nc.request(`$JS.API.CONSUMER.NAMES.${stream}`, '', { timeout: 5_000 })).json<{ consumers: string[] | null }>();
  for (const name of names.consumers ?? []) await nc.request(`$JS.API.CONSUMER.DELETE.${stream}.${name}`, '', { timeout: 5_000 });
  return names.consumers?.length ?? 0;
}
