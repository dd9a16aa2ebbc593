/**
 * deleteTopic across processes: a process that made a topic's stream and cached it keeps working
 * after another process deleted the topic, on the name made again (positions from 1).
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { fetch, makeEvents } from '../../../test/conformance/helpers.js';
import { requireService, SERVICE_URLS } from '../../../test/services.js';
import { openNatsLog } from './index.js';
import { deleteStreams, uniquePrefix } from './test-helpers.js';

const prefix = uniquePrefix('d');
after(() => deleteStreams([prefix]).then(() => undefined));

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

      const again = await a.append('doomed', makeEvents(2, { start: 10 }));
      assert.deepEqual(again.map((r) => [r.position, r.duplicate]), [[1, false], [2, false]], 'stored again, from position 1');
      const fresh = await fetch(a, 'doomed', 'g', { max: 10 });
      assert.deepEqual(fresh.map((d) => d.position), [1, 2], 'the group starts afresh on the new stream');
      await a.setRetention('doomed', { maxCount: 5 });
      assert.deepEqual((await b.topicInfo('doomed'))?.retention, { maxCount: 5 });

      assert.equal(await b.deleteTopic('doomed'), true);
      assert.deepEqual((await fetch(a, 'doomed', 'g', { max: 10 })).length, 0, 'a fetch of the deleted topic makes it again, empty');
      assert.equal((await b.topicInfo('doomed'))?.count, 0);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});
