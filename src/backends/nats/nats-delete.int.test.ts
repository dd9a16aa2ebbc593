/**
 * deleteTopic across processes: a process that made a topic's stream and cached it hears of the
 * delete (a core NATS notice), forgets what it cached, and goes on with the name made again.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { fetch, makeEvents } from '../../../test/conformance/helpers.js';
import { requireService, SERVICE_URLS } from '../../../test/services.js';
import { openNatsLog } from './index.js';
import { deleteStreams, uniquePrefix } from './test-helpers.js';

const prefix = uniquePrefix('d');
after(() => deleteStreams([prefix]).then(() => undefined));

/** `work` again until it gives what `done` wants or 10 s pass (the notice travels on its own). */
async function eventually<T>(work: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const value = await work().catch((error: unknown) => { if (Date.now() > deadline) throw error; return undefined; });
    if (value !== undefined && done(value)) return value;
    if (Date.now() > deadline) throw new Error(`not done in 10 s: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('nats: deleteTopic by another process', () => {
  it('the process that had the topic cached appends, fetches and sets retention on the name made again', async (t) => {
    if (!(await requireService('nats', (m) => t.skip(m)))) return;
    const [a, b] = await Promise.all([openNatsLog({ servers: SERVICE_URLS.nats, prefix }), openNatsLog({ servers: SERVICE_URLS.nats, prefix })]);
    try {
      await a.append('doomed', makeEvents(3));
      const held = await fetch(a, 'doomed', 'g', { max: 2 });
      assert.equal(held.length, 2);
      assert.equal(await b.deleteTopic('doomed'), true);
      assert.equal(await a.topicInfo('doomed'), undefined);
      assert.equal(await b.deleteTopic('doomed'), false, 'a second delete finds nothing');

      const again = await eventually(() => a.append('doomed', makeEvents(2, { start: 10 })), () => true);
      assert.deepEqual(again.map((r) => [r.position, r.duplicate]), [[1, false], [2, false]], 'stored again, from position 1');
      const fresh = await eventually(() => fetch(a, 'doomed', 'g', { max: 10 }), (ds) => ds.length > 0);
      assert.deepEqual(fresh.map((d) => d.position), [1, 2], 'the group starts afresh on the new stream');
      const late = held.map((d) => ({ kind: 'ack' as const, position: d.position, leaseId: d.leaseId }));
      assert.deepEqual(await a.settle('doomed', 'g', late), ['stale', 'stale'], 'leases from before the delete are stale');
      await a.setRetention('doomed', { maxCount: 5 });
      assert.deepEqual((await b.topicInfo('doomed'))?.retention, { maxCount: 5 });
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});
