import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { bearer, call, ce, publish, testServer, type TestServer } from './test-helpers.js';

interface Delivery { position: number; leaseId: number; attempt: number }
const CHILD = fileURLToPath(new URL('./test-consumer-child.js', import.meta.url));

/** Consumer-group pull over HTTP: leases, acks, long polls, and a consumer process killed while it holds a lease. */
describe('consumer-group pull over HTTP', () => {
  let t: TestServer;
  let key: string;
  before(async () => {
    t = await testServer({ backend: 'sqlite' });
    key = await t.key(['publish,subscribe,admin:jobs']);
  });
  after(() => t.close());

  const fetchBatch = async (body: Record<string, unknown>): Promise<Delivery[]> => {
    const answer = await call<{ deliveries: Delivery[] }>(`${t.url}/v1/topics/jobs/groups/workers/fetch`, { method: 'POST', headers: bearer(key), json: body });
    assert.equal(answer.status, 200, answer.text);
    return answer.body.deliveries;
  };
  const ack = async (ds: Delivery[]): Promise<string[]> => (await call<{ outcomes: string[] }>(`${t.url}/v1/topics/jobs/groups/workers/settle`, {
    method: 'POST', headers: bearer(key), json: { settlements: ds.map((d) => ({ kind: 'ack', position: d.position, leaseId: d.leaseId })) },
  })).body.outcomes;

  it('a consumer killed mid-lease: its events go to another consumer once the lease ends, and only then', async () => {
    assert.equal((await publish(t.url, key, 'jobs', Array.from({ length: 20 }, (_, i) => ce(`job-${i}`, { partitionkey: `k${i}` })))).status, 200);
    const child = spawn(process.execPath, [CHILD, t.url, key, 'jobs', 'workers', '10', '1500'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const [line] = await once(child.stdout, 'data') as [Buffer];
    const held = JSON.parse(line.toString()) as number[];
    child.kill('SIGKILL');
    await once(child, 'exit');
    assert.equal(held.length, 10, 'the child held ten events when it was killed');
    const rest = await fetchBatch({ max: 100, leaseMs: 60_000 });
    assert.deepEqual(rest.map((d) => d.position).sort((a, b) => a - b), Array.from({ length: 20 }, (_, i) => i + 1).filter((p) => !held.includes(p)), 'the others are free');
    assert.deepEqual(await ack(rest), rest.map(() => 'ok'));
    assert.deepEqual(await fetchBatch({ max: 100, leaseMs: 60_000 }), [], 'the dead consumer\'s lease still holds');
    await new Promise((r) => setTimeout(r, 1_600));
    const redelivered = await fetchBatch({ max: 100, leaseMs: 60_000 });
    assert.deepEqual(redelivered.map((d) => d.position).sort((a, b) => a - b), held.sort((a, b) => a - b), 'exactly its events come back');
    assert.ok(redelivered.every((d) => d.attempt === 2), 'as a second attempt');
    assert.deepEqual(await ack(redelivered), redelivered.map(() => 'ok'));
    const lag = await call<{ groups: { lag: number }[] }>(`${t.url}/v1/topics/jobs/groups`, { headers: bearer(key) });
    assert.equal(lag.body.groups[0]?.lag, 0, 'nothing lost, nothing left');
  });

  it('a late ack from a lease that passed to another consumer is stale', async () => {
    await publish(t.url, key, 'jobs', [ce('late-1')]);
    const [first] = await fetchBatch({ max: 1, leaseMs: 100 });
    await new Promise((r) => setTimeout(r, 150));
    const [second] = await fetchBatch({ max: 1, leaseMs: 60_000 });
    assert.equal(second?.position, first!.position);
    assert.deepEqual(await ack([first!]), ['stale']);
    assert.deepEqual(await ack([second]), ['ok']);
  });

  it('a long poll (waitMs) answers as soon as an event arrives', async () => {
    const started = Date.now();
    const waiting = fetchBatch({ max: 5, leaseMs: 60_000, waitMs: 5_000 });
    await new Promise((r) => setTimeout(r, 200));
    await publish(t.url, key, 'jobs', [ce('wake-up')]);
    const got = await waiting;
    assert.equal(got.length, 1);
    assert.ok(Date.now() - started < 2_000, `answered after ${Date.now() - started} ms`);
    await ack(got);
    const empty = Date.now();
    assert.deepEqual(await fetchBatch({ max: 5, leaseMs: 60_000, waitMs: 300 }), []);
    assert.ok(Date.now() - empty >= 290, 'an empty long poll waits its time');
    const bad = await call<{ error: { details: { field: string } } }>(`${t.url}/v1/topics/jobs/groups/workers/fetch`, { method: 'POST', headers: bearer(key), json: { max: 1, leaseMs: 1, waitMs: 600_000 } });
    assert.equal(bad.body.error.details.field, 'waitMs');
  });
});
