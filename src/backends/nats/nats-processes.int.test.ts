/**
 * Two herald processes on one group: two logs with their own connections (the server is the only
 * shared state) append and consume one topic at once. Every event is acked exactly once by the
 * group and never leased to both. The history checker (test/reliability/history.ts) judges the
 * appends, a full read and the group's accepted acks; batch sizes are seeded (HERALD_SEED replays).
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { makeEvents } from '../../../test/conformance/helpers.js';
import { seededRandom, seedFromEnv } from '../../../test/crash/random.js';
import { describeResult } from '../../../test/reliability/history.js';
import { checkProcesses, readAll, type AckRecord, type AppendRecord } from '../../../test/reliability/process-history.js';
import { requireService, SERVICE_URLS } from '../../../test/services.js';
import type { EventLog } from '../../log/types.js';
import { openNatsLog } from './index.js';
import { deleteStreams, uniquePrefix } from './test-helpers.js';

const prefix = uniquePrefix('p');
after(() => deleteStreams([prefix]).then(() => undefined));

describe('nats: two processes on one group', () => {
  it('append and consume at once: every event acked once, none leased to both', async (t) => {
    if (!(await requireService('nats', (m) => t.skip(m)))) return;
    const seed = seedFromEnv();
    t.diagnostic(`seed ${seed} (replay with HERALD_SEED=${seed})`);
    const random = seededRandom(seed);
    const logs = [await openNatsLog({ servers: SERVICE_URLS.nats, prefix }), await openNatsLog({ servers: SERVICE_URLS.nats, prefix })];
    const reports = [0, 1].map((who) => ({ name: `p${who}`, appends: [] as AppendRecord[], acks: [] as AckRecord[] }));
    const wallNow = (): number => performance.timeOrigin + performance.now();
    const perProcess = 600;
    const acked = new Map<string, number>();
    const holders = new Map<string, Set<number>>();
    let appended = 0;
    const deadline = Date.now() + 45_000;
    const produce = async (log: EventLog, who: number): Promise<void> => {
      for (let start = 0; start < perProcess;) {
        const size = Math.min(perProcess - start, 1 + Math.floor(random() * 50));
        const events = makeEvents(size, { start: who * perProcess + start, key: (n) => `k${n % 13}` });
        const receipts = await log.append('jobs', events);
        reports[who]!.appends.push(...receipts.map((r, i) => ({ id: r.id, key: events[i]!.partitionkey as string, position: r.position })));
        appended += size;
        start += size;
      }
    };
    const consume = async (log: EventLog, who: number): Promise<void> => {
      while (acked.size < perProcess * logs.length && Date.now() < deadline) {
        const batch = await log.fetch('jobs', 'workers', { max: 25, leaseMs: 60_000 });
        if (batch.length === 0) { await new Promise((r) => setTimeout(r, 10)); continue; }
        for (const d of batch) {
          const set = holders.get(d.event.id) ?? new Set<number>();
          set.add(who);
          holders.set(d.event.id, set);
        }
        await new Promise((r) => setImmediate(r));
        const outcomes = await log.settle('jobs', 'workers', batch.map((d) => ({ kind: 'ack' as const, position: d.position, leaseId: d.leaseId })));
        const at = wallNow();
        batch.forEach((d, i) => {
          if (outcomes[i] !== 'ok') return;
          acked.set(d.event.id, (acked.get(d.event.id) ?? 0) + 1);
          reports[who]!.acks.push({ id: d.event.id, position: d.position, key: d.event.partitionkey, at });
        });
      }
    };
    try {
      await Promise.all([produce(logs[0]!, 0), produce(logs[1]!, 1), consume(logs[0]!, 0), consume(logs[1]!, 1)]);
      assert.equal(appended, perProcess * 2);
      // keyOrder: NATS keeps key order within one process only, and these are two consumers.
      const result = checkProcesses(reports, { topic: 'jobs', group: 'workers', stored: await readAll(logs[0]!.read('jobs')), contiguous: true, keyOrder: false });
      t.diagnostic(`nats two processes: ${appended} appends, ${acked.size} acked; checker ${describeResult(result)}`);
      assert.deepEqual(result.anomalies, [], `seed ${seed}: ${describeResult(result)}`);
      assert.equal(acked.size, perProcess * 2, 'every event was acked');
      assert.deepEqual([...acked.values()].filter((n) => n !== 1), [], 'no event was acked twice');
      assert.deepEqual([...holders.entries()].filter(([, s]) => s.size > 1).map(([id]) => id), [], 'no event was leased to both processes');
      const [group] = await logs[0]!.groups('jobs');
      assert.equal(group?.lag, 0);
      assert.ok([...holders.values()].some((s) => s.has(0)) && [...holders.values()].some((s) => s.has(1)), 'both processes consumed');
    } finally {
      await Promise.all(logs.map((l) => l.close()));
    }
  });

  it('a server that cannot be reached is HERALD_E_UNAVAILABLE, with the password redacted', async () => {
    await assert.rejects(openNatsLog({ servers: 'nats://user:s3cret@127.0.0.1:1', requestTimeoutMs: 500 }), (e: Error & { code?: string }) => {
      assert.equal(e.code, 'HERALD_E_UNAVAILABLE');
      assert.ok(!e.message.includes('s3cret') && !JSON.stringify(e).includes('s3cret'), e.message);
      return true;
    });
  });
});
