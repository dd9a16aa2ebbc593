import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import pg from 'pg';
import { createEvent } from '../../core/envelope.js';
import type { Delivery } from '../../log/types.js';
import { PG_URL, pgUp, skipWithoutPg, TestSchemas } from './test-helpers.js';

/** What the group holds, as stored: inflight rows and the pending members of its lease runs. */
async function stored(schema: string): Promise<{ rows: number; runs: number; members: number }> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    const [r] = (await client.query<{ rows: string; runs: string; members: string | null }>(`
      SELECT (SELECT count(*) FROM "${schema}".inflight) AS rows, (SELECT count(*) FROM "${schema}".lease_runs) AS runs,
        (SELECT sum(pending) FROM "${schema}".lease_runs) AS members`)).rows;
    return { rows: Number(r!.rows), runs: Number(r!.runs), members: Number(r!.members ?? 0) };
  } finally {
    await client.end();
  }
}

const events = (n: number, key?: string): ReturnType<typeof createEvent>[] =>
  Array.from({ length: n }, (_, i) => createEvent({ type: 'x', data: { i }, ...(key ? { key } : {}) }));
const acks = (ds: readonly Delivery[]) => ds.map((d) => ({ kind: 'ack' as const, position: d.position, leaseId: d.leaseId }));

if (pgUp) {
  describe('postgres: lease runs (migration 6)', () => {
    const schemas = new TestSchemas();
    after(() => schemas.dropAll());

    it('a fetch stores its keyless deliveries as one run and its keyed ones as rows; acks empty both', async () => {
      const schema = schemas.fresh();
      const log = await schemas.open(schema);
      try {
        await log.append('t', [...events(300), ...events(2, 'k')]);
        const got = await log.fetch('t', 'g', { max: 500, leaseMs: 30_000 });
        assert.equal(got.length, 302);
        assert.deepEqual(await stored(schema), { rows: 2, runs: 1, members: 300 });
        assert.equal((await log.groups('t'))[0]!.pending, 302, 'run members count as pending');
        assert.deepEqual(await log.settle('t', 'g', acks(got.slice(0, 100))), Array(100).fill('ok'));
        assert.deepEqual(await stored(schema), { rows: 2, runs: 1, members: 200 });
        assert.deepEqual(await log.settle('t', 'g', acks(got.slice(0, 100))), Array(100).fill('stale'), 'an ack twice is stale');
        assert.deepEqual(await log.settle('t', 'g', acks(got.slice(100))), Array(202).fill('ok'));
        assert.deepEqual(await stored(schema), { rows: 0, runs: 0, members: 0 });
        assert.equal((await log.groups('t'))[0]!.lag, 0);
      } finally {
        await log.close();
      }
    });

    it('a nack, release or extend moves that member alone into a row with the state it gives', async () => {
      const schema = schemas.fresh();
      const log = await schemas.open(schema);
      try {
        await log.append('t', events(5));
        const got = await log.fetch('t', 'g', { max: 5, leaseMs: 30_000 });
        const [a, b, c] = got;
        const out = await log.settle('t', 'g', [
          { kind: 'nack', position: a!.position, leaseId: a!.leaseId, delayMs: 0, error: { message: 'no' } },
          { kind: 'release', position: b!.position, leaseId: b!.leaseId },
          { kind: 'extend', position: c!.position, leaseId: c!.leaseId, leaseMs: 60_000 },
        ]);
        assert.deepEqual(out, ['ok', 'ok', 'ok']);
        assert.deepEqual(await stored(schema), { rows: 3, runs: 1, members: 2 });
        const again = await log.fetch('t', 'g', { max: 5, leaseMs: 30_000 });
        assert.deepEqual(again.map((d) => [d.position, d.attempt]), [[a!.position, 2], [b!.position, 1]], 'the extended one stays leased');
        assert.equal(again[0]!.lastError?.message, 'no');
        assert.deepEqual(await log.settle('t', 'g', acks([c!, got[3]!, got[4]!])), ['ok', 'ok', 'ok'], 'the extended lease still acks');
      } finally {
        await log.close();
      }
    });

    it('an expired run is redelivered whole; the old lease is stale, in this process and another', async () => {
      const schema = schemas.fresh();
      const one = await schemas.open(schema);
      const two = await schemas.open(schema);
      try {
        await one.append('t', events(40));
        const first = await one.fetch('t', 'g', { max: 40, leaseMs: 200 });
        await one.settle('t', 'g', acks(first.slice(0, 10)));
        await new Promise((resolve) => setTimeout(resolve, 300));
        const second = await two.fetch('t', 'g', { max: 100, leaseMs: 30_000 });
        assert.deepEqual(second.map((d) => d.position), first.slice(10).map((d) => d.position));
        assert.ok(second.every((d) => d.attempt === 2));
        assert.deepEqual(await one.settle('t', 'g', acks(first.slice(10))), Array(30).fill('stale'));
        assert.deepEqual(await two.settle('t', 'g', acks(second)), Array(30).fill('ok'));
        assert.deepEqual(await stored(schema), { rows: 0, runs: 0, members: 0 });
      } finally {
        await Promise.all([one.close(), two.close()]);
      }
    });

    it('two processes acking members of one run at once both land', async () => {
      const schema = schemas.fresh();
      const one = await schemas.open(schema);
      const two = await schemas.open(schema);
      try {
        await one.append('t', events(400));
        const got = await one.fetch('t', 'g', { max: 400, leaseMs: 30_000 });
        const halves = [got.filter((_, i) => i % 2 === 0), got.filter((_, i) => i % 2 === 1)];
        const settled = await Promise.all(halves.flatMap((half, h) =>
          Array.from({ length: 4 }, (_, k) => (h === 0 ? one : two).settle('t', 'g', acks(half.slice(k * 50, k * 50 + 50))))));
        assert.ok(settled.flat().every((o) => o === 'ok'));
        assert.deepEqual(await stored(schema), { rows: 0, runs: 0, members: 0 });
      } finally {
        await Promise.all([one.close(), two.close()]);
      }
    });

    it('requeue replaces a run member with a row; reset and delete of the group drop its runs', async () => {
      const schema = schemas.fresh();
      const log = await schemas.open(schema);
      try {
        await log.append('t', events(3));
        const got = await log.fetch('t', 'g', { max: 3, leaseMs: 30_000 });
        await log.requeue('t', 'g', got[1]!.event, got[1]!.position);
        assert.deepEqual(await stored(schema), { rows: 1, runs: 1, members: 2 });
        assert.deepEqual(await log.settle('t', 'g', acks([got[1]!])), ['stale'], 'the requeued copy has no lease yet');
        await log.resetGroup('t', 'g', 'earliest');
        assert.deepEqual(await stored(schema), { rows: 0, runs: 0, members: 0 });
        await log.fetch('t', 'g', { max: 3, leaseMs: 30_000 });
        await log.deleteGroup('t', 'g');
        assert.deepEqual(await stored(schema), { rows: 0, runs: 0, members: 0 });
      } finally {
        await log.close();
      }
    });
  });
} else {
  skipWithoutPg('postgres: lease runs');
}
