import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import pg from 'pg';
import { createEvent } from '../../core/envelope.js';
import { HeraldError } from '../../core/errors.js';
import { openPostgresLog } from './index.js';
import { migrate, MIGRATIONS } from './migrations.js';
import { PG_URL, pgUp, skipWithoutPg, TestSchemas } from './test-helpers.js';

const waitFor = async (check: () => boolean, what: string, ms = 5000): Promise<void> => {
  for (const deadline = Date.now() + ms; !check();) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};

async function migrationRows(schema: string): Promise<number[]> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    return (await client.query<{ version: number }>(`SELECT version FROM "${schema}".herald_migrations ORDER BY version`)).rows.map((r) => r.version);
  } finally {
    await client.end();
  }
}

if (pgUp) {
  describe('postgres: migrations, connections and notifications', () => {
    const schemas = new TestSchemas();
    after(() => schemas.dropAll());

    it('four processes opening a new schema at once migrate it once', async () => {
      const schema = schemas.fresh();
      const logs = await Promise.all(Array.from({ length: 4 }, () => schemas.open(schema)));
      try {
        assert.deepEqual(await migrationRows(schema), MIGRATIONS.map((m) => m.version));
        assert.deepEqual(await logs[0]!.migrate(), [], 'nothing left to apply');
        await logs[1]!.append('orders', [createEvent({ type: 'x', data: {} })]);
        assert.equal((await logs[2]!.topicInfo('orders'))?.count, 1, 'all four see one schema');
      } finally {
        await Promise.all(logs.map((l) => l.close()));
      }
    });

    it('a schema at version 1 with events is brought to the latest version; its topics carry streams after', async () => {
      const schema = schemas.fresh();
      const client = new pg.Client({ connectionString: PG_URL });
      await client.connect();
      try {
        assert.deepEqual(await migrate(client, schema, MIGRATIONS.slice(0, 1)), [1]);
      } finally {
        await client.end();
      }
      let log = await schemas.open(schema);
      try {
        assert.deepEqual(await migrationRows(schema), MIGRATIONS.map((m) => m.version));
        await log.append('order', [createEvent({ type: 'x', data: {} })]);
        const r = await log.streams.appendToStream('order-1', [createEvent({ type: 'x', data: {} })], { expectedRevision: 'no_stream' });
        assert.deepEqual([r.revision, r.globalPosition, r.receipts[0]!.position], [1, 1, 2]);
        await log.close();
        log = await schemas.open(schema);
        assert.deepEqual(await log.migrate(), [], 'nothing left to apply');
        assert.equal((await log.streams.streamInfo('order-1'))?.revision, 1);
      } finally {
        await log.close();
      }
    });

    it('a process of an older herald still appends through append_events (v1), now the same logic as append_events_json (v4)', async () => {
      const schema = schemas.fresh();
      const log = await schemas.open(schema);
      const client = new pg.Client({ connectionString: PG_URL });
      await client.connect();
      try {
        await log.append('orders', [createEvent({ type: 'x', id: 'a' })]);
        const old = (events: ReturnType<typeof createEvent>[]) => client.query<{ ord: number; pos: string; dup: boolean }>(
          `SELECT * FROM "${schema}".append_events($1, $2, $3, $4, $5::json[], NULL)`,
          ['orders', events.map((e) => e.id), events.map((e) => e.type), events.map(() => null), events.map((e) => JSON.stringify(e))]);
        const rows = (await old([createEvent({ type: 'x', id: 'b' }), createEvent({ type: 'x', id: 'a' }), createEvent({ type: 'x', id: 'b' })])).rows;
        assert.deepEqual(rows.map((r) => [r.ord, Number(r.pos), r.dup]), [[1, 2, false], [2, 1, true], [3, 2, true]]);
        const read: string[] = [];
        for await (const e of log.read('orders')) read.push(`${e.position}:${e.event.id}`);
        assert.deepEqual(read, ['1:a', '2:b']);
        const receipts = await log.append('orders', [createEvent({ type: 'x', id: 'c' }), createEvent({ type: 'x', id: 'b' })]);
        assert.deepEqual(receipts.map((r) => [r.position, r.duplicate]), [[3, false], [2, true]]);
      } finally {
        await client.end();
        await log.close();
      }
    });

    it('settle: a call of acks at distinct positions (one statement) and any other call (in order) answer alike', async () => {
      const log = await schemas.open(schemas.fresh());
      try {
        await log.append('orders', Array.from({ length: 6 }, (_, i) => createEvent({ type: 'x', id: `e${i}` })));
        const d = await log.fetch('orders', 'g', { max: 6, leaseMs: 60_000 });
        const ack = (i: number, leaseId = d[i]!.leaseId) => ({ kind: 'ack' as const, position: d[i]!.position, leaseId });
        // Acks only, distinct: the set-based path; a wrong lease and lease 0 are stale.
        assert.deepEqual(await log.settle('orders', 'g', [ack(0), ack(1, 999_999), ack(2, 0), ack(3)]), ['ok', 'stale', 'stale', 'ok']);
        // The same position twice: in order, the second finds nothing.
        assert.deepEqual(await log.settle('orders', 'g', [ack(1), ack(1)]), ['ok', 'stale']);
        // Mixed kinds: in order, the ack after the release is stale.
        assert.deepEqual(await log.settle('orders', 'g', [{ kind: 'release', position: d[4]!.position, leaseId: d[4]!.leaseId }, ack(4), ack(5)]), ['ok', 'stale', 'ok']);
        assert.deepEqual((await log.fetch('orders', 'g', { max: 6, leaseMs: 60_000 })).map((x) => x.event.id), ['e4'], 'only the released one (e2 is still leased)');
        assert.deepEqual(await log.settle('orders', 'g', [ack(2)]), ['ok'], 'the stale acks left e2 leased');
      } finally {
        await log.close();
      }
    });

    it('a schema migrated by a newer herald is refused with HERALD_E_UNSUPPORTED', async () => {
      const schema = schemas.fresh();
      await (await schemas.open(schema)).close();
      const client = new pg.Client({ connectionString: PG_URL });
      await client.connect();
      await client.query(`INSERT INTO "${schema}".herald_migrations (version, name) VALUES (99, 'from the future')`);
      await client.end();
      await assert.rejects(schemas.open(schema), (error: unknown) => {
        assert.ok(error instanceof HeraldError);
        assert.equal(error.code, 'HERALD_E_UNSUPPORTED');
        assert.match(error.message, /99/);
        return true;
      });
    });

    it('an unreachable server fails with HERALD_E_UNAVAILABLE, without the password', async () => {
      const url = 'postgres://herald:very-secret@127.0.0.1:1/nothing';
      await assert.rejects(openPostgresLog({ connectionString: url, schema: 'x', connectTimeoutMs: 2000 }), (error: unknown) => {
        assert.ok(error instanceof HeraldError);
        assert.equal(error.code, 'HERALD_E_UNAVAILABLE');
        assert.equal(error.retryable, true);
        assert.ok(!error.message.includes('very-secret'), error.message);
        assert.ok(!JSON.stringify(error.details).includes('very-secret'));
        return true;
      });
    });

    it('onAppend wakes listeners in another process (LISTEN/NOTIFY) after appends and requeues', async () => {
      const schema = schemas.fresh();
      const [listener, writer] = [await schemas.open(schema), await schemas.open(schema)];
      try {
        let calls = 0;
        const off = listener.onAppend('orders', () => { calls++; });
        // The LISTEN connection opens in the background: append until the first notification arrives.
        for (const deadline = Date.now() + 5000; calls === 0;) {
          assert.ok(Date.now() < deadline, 'no notification of appends by another log');
          await writer.append('orders', [createEvent({ type: 'x', data: {} })]);
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        const event = createEvent({ type: 'x', key: 'k', data: {} });
        let seenBefore = calls;
        const [receipt] = await writer.append('orders', [event]);
        await waitFor(() => calls > seenBefore, 'a notification of the append');
        const afterAppend = calls;
        await writer.append('orders', [event]);
        await new Promise((resolve) => setTimeout(resolve, 200));
        assert.equal(calls, afterAppend, 'a duplicate append writes nothing and notifies nobody');
        seenBefore = calls;
        await writer.requeue('orders', 'g', event, receipt!.position);
        await waitFor(() => calls > afterAppend, 'a notification of the requeue');
        off();
        const seen = calls;
        await writer.append('orders', [createEvent({ type: 'x', data: {} })]);
        await new Promise((resolve) => setTimeout(resolve, 200));
        assert.equal(calls, seen, 'no calls after unsubscribing');
      } finally {
        await Promise.all([listener.close(), writer.close()]);
      }
    });

    it('a topic deleted by one process is gone for another that had it cached; both use the name again from position 1', async () => {
      const schema = schemas.fresh();
      const [a, b] = await Promise.all([schemas.open(schema), schemas.open(schema)]);
      const event = (n: number) => createEvent({ type: 'x', data: { n } });
      try {
        await a.append('doomed', [event(1), event(2), event(3)]);
        await a.setRetention('doomed', { maxCount: 100 });
        const held = await a.fetch('doomed', 'g', { max: 2, leaseMs: 30_000 });
        assert.equal(held.length, 2);
        assert.equal(await b.deleteTopic('doomed'), true);
        assert.equal(await a.topicInfo('doomed'), undefined, 'gone for the process that used it too');
        assert.deepEqual(await a.groups('doomed'), []);
        const acks = held.map((d) => ({ kind: 'ack' as const, position: d.position, leaseId: d.leaseId }));
        assert.deepEqual(await a.settle('doomed', 'g', acks), ['stale', 'stale'], 'leases of the deleted group are stale');
        assert.equal((await a.append('doomed', [event(4)]))[0]!.position, 1, 'positions start again from 1');
        assert.deepEqual((await a.fetch('doomed', 'g', { max: 10, leaseMs: 30_000 })).map((d) => d.event.data), [{ n: 4 }], 'the group starts afresh');
        assert.deepEqual(await b.topicInfo('doomed'), { topic: 'doomed', head: 1, first: 1, count: 1, retention: {} });
        assert.equal(await b.deleteTopic('doomed'), true);
        await a.fetch('doomed', 'h', { max: 1, leaseMs: 1000 });
        assert.equal((await b.topicInfo('doomed'))?.count, 0, 'a group made on the name makes the topic again, as an append does');

        await a.streams.appendToStream('order-1', [event(5)], { expectedRevision: 'no_stream' });
        await assert.rejects(b.deleteTopic('order'), (e: unknown) => e instanceof HeraldError && e.code === 'HERALD_E_INVALID_ARGUMENT' && /event-sourced streams/.test(e.message));
        assert.equal((await b.topicInfo('order'))?.count, 1, 'nothing of a refused topic is deleted');
      } finally {
        await Promise.all([a.close(), b.close()]);
      }
    });

    it('appends queued behind one in flight share a transaction and keep per-append receipts and dedup', async () => {
      const log = await schemas.open(schemas.fresh());
      try {
        const shared = createEvent({ type: 'x', data: { n: 0 } });
        const batches = Array.from({ length: 20 }, (_, i) => [createEvent({ type: 'x', data: { n: i + 1 } }), shared]);
        const receipts = await Promise.all(batches.map((events) => log.append('orders', events)));
        const positions = receipts.flatMap((r) => r.filter((x) => !x.duplicate).map((x) => x.position)).sort((a, b) => a - b);
        assert.deepEqual(positions, Array.from({ length: 21 }, (_, i) => i + 1), 'contiguous, no position lost to duplicates');
        assert.equal(receipts.flat().filter((r) => r.id === shared.id && !r.duplicate).length, 1, 'the shared id is written once');
        receipts.forEach((r, i) => assert.equal(r[0]!.id, batches[i]![0]!.id, 'each caller gets its own receipts, in order'));
        assert.equal((await log.topicInfo('orders'))?.count, 21);
      } finally {
        await log.close();
      }
    });
  });
} else {
  skipWithoutPg('postgres log');
}
