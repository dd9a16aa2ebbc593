/**
 * A fetch started after an acknowledged append sees the event. JetStream signals its consumers
 * of a stored message from a separate loop, so a `no_wait` pull right after the publish ack can be
 * answered "no messages" (about 1 in 100 such fetches with exclusive groups on NATS 2.9; the
 * conformance test "a group picks up events appended after it drained" failed in CI that way).
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { collect, makeEvents } from '../../../test/conformance/helpers.js';
import { requireService, SERVICE_URLS } from '../../../test/services.js';
import type { Delivery, EventLog } from '../../log/types.js';
import { openNatsLog } from './index.js';
import { deleteStreams, uniquePrefix } from './test-helpers.js';

const prefixes: string[] = [];
after(() => deleteStreams(prefixes).then(() => undefined));

const acks = (ds: readonly Delivery[]) => ds.map((d) => ({ kind: 'ack' as const, position: d.position, leaseId: d.leaseId }));
const fetch = (log: EventLog, group: string): Promise<Delivery[]> => log.fetch('own', group, { max: 100, leaseMs: 60_000 });

describe('nats: a fetch after an acknowledged append sees it', { skip: !(await requireService('nats')) }, () => {
  it('requeue, fetch: the requeued event comes back every time over 300 rounds', { timeout: 120_000 }, async () => {
    const prefix = uniquePrefix('own');
    prefixes.push(prefix);
    const log = await openNatsLog({ servers: SERVICE_URLS.nats, prefix, exclusiveGroups: true });
    try {
      const [receipt] = await log.append('own', makeEvents(1));
      const missed: number[] = [];
      for (let round = 0; round < 300; round++) {
        const group = `r${round}`;
        for (let batch = await fetch(log, group); batch.length > 0; batch = await fetch(log, group)) await log.settle('own', group, acks(batch));
        const [stored] = await collect(log.read('own'));
        await log.requeue('own', group, stored!.event, receipt!.position);
        const got = await fetch(log, group);
        if (got.length !== 1) missed.push(round);
        await log.settle('own', group, acks(got));
      }
      assert.deepEqual(missed, [], 'rounds whose fetch right after the requeue missed it');
    } finally {
      await log.close();
    }
  });

  for (const exclusiveGroups of [false, true]) {
    it(`append, fetch: never empty over 300 rounds (exclusiveGroups: ${exclusiveGroups})`, { timeout: 120_000 }, async () => {
      const prefix = uniquePrefix('own');
      prefixes.push(prefix);
      const log = await openNatsLog({ servers: SERVICE_URLS.nats, prefix, exclusiveGroups });
      try {
        const empty: number[] = [];
        for (let round = 0; round < 300; round++) {
          const group = `g${round}`;
          for (let batch = await fetch(log, group); batch.length > 0; batch = await fetch(log, group)) await log.settle('own', group, acks(batch));
          const [receipt] = await log.append('own', makeEvents(1, { start: round }));
          const got = await fetch(log, group);
          if (!got.some((d) => d.position === receipt!.position)) empty.push(round);
          await log.settle('own', group, acks(got));
        }
        assert.deepEqual(empty, [], 'rounds whose fetch right after the append missed it');
      } finally {
        await log.close();
      }
    });
  }

});
