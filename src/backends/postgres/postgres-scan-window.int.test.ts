/**
 * Reads and fetches of a topic scan a window of positions per page (scan-window.ts), so a plan
 * made on stale statistics costs a window, not the whole backlog; and paging by windows loses
 * nothing: sparse types across many windows, a group's fetches across windows.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import pg from 'pg';
import { createEvent, type CloudEvent } from '../../core/envelope.js';
import { readPageSql } from './reader.js';
import { streamPageSql } from './stream-reads.js';
import { windowEnd } from './scan-window.js';
import { PG_URL, pgUp, skipWithoutPg, TestSchemas } from './test-helpers.js';

interface PlanNode { 'Actual Rows'?: number; 'Node Type': string; 'Index Name'?: string; Plans?: PlanNode[] }
const mostRows = (node: PlanNode): number => Math.max(node['Actual Rows'] ?? 0, ...(node.Plans ?? []).map(mostRows));
const indexesOf = (node: PlanNode): string[] => [...(node['Index Name'] ? [node['Index Name']] : []), ...(node.Plans ?? []).flatMap(indexesOf)];
const pad = 'x'.repeat(200);
/** 40 appends of 1,000 events of ~450 bytes to a new table (no ANALYZE has seen them yet). */
const backlog = async (append: (events: CloudEvent[]) => Promise<unknown>): Promise<void> => {
  for (let b = 0; b < 40; b++) await append(Array.from({ length: 1_000 }, (_, n) => createEvent({ type: 'placed', data: { n, pad } })));
};
/** The root of `sql`'s plan as run with `params`, on a connection of its own. */
async function planOf(sql: string, params: unknown[]): Promise<PlanNode> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    return (await client.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(`EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`, params)).rows[0]!['QUERY PLAN'][0].Plan;
  } finally {
    await client.end();
  }
}

if (pgUp) {
  describe('postgres: topic scans by windows of positions', () => {
    const schemas = new TestSchemas();
    after(() => schemas.dropAll());

    it('a page of a read touches at most its window, even planned on stale statistics', async () => {
      const schema = schemas.fresh();
      const log = await schemas.open(schema);
      try {
        // At this size PostgreSQL 15 plans an unbounded page as a bitmap scan of every later event
        // and a sort: 40,000 rows looked at for 256.
        await backlog((events) => log.append('orders', events));
        const [room, from] = [256, 1];
        const rows = mostRows(await planOf(readPageSql(`"${schema}"`), [1, from, room, null, windowEnd(from, room, 40_000)]));
        assert.ok(rows <= 4 * room, `a page of ${room} looked at ${rows} rows of the 40,000 after it`);
      } finally {
        await log.close();
      }
    });

    it('a stream page joins its events by position, not through the time index', async () => {
      const schema = schemas.fresh();
      const log = await schemas.open(schema);
      try {
        await backlog((events) => log.streams.appendToStream('order-1', events));
        const plan = await planOf(streamPageSql(`"${schema}"`, true), [1, 38_001, 40_000, Number.MIN_SAFE_INTEGER, 512]);
        assert.ok(!indexesOf(plan).includes('events_by_time'), 'the time index scans all of the topic per event');
        const revisions: number[] = [];
        for await (const e of log.streams.readStream('order-1', { fromRevision: 39_990 })) revisions.push(e.revision);
        assert.deepEqual(revisions, Array.from({ length: 11 }, (_, i) => 39_990 + i));
        const back: number[] = [];
        for await (const e of log.streams.readStream('order-1', { direction: 'backwards', limit: 3 })) back.push(e.revision);
        assert.deepEqual(back, [40_000, 39_999, 39_998]);
        let all = 0;
        for await (const e of log.streams.readAll({ category: 'order', fromPosition: 30_001 })) if (e.globalPosition === 30_001 + all) all++;
        assert.equal(all, 10_000, '$all by category across windows, in order');
      } finally {
        await log.close();
      }
    });

    it('sparse types are found across many windows; a group fetches across windows', async () => {
      const log = await schemas.open(schemas.fresh());
      try {
        await log.append('orders', Array.from({ length: 6_000 }, (_, n) => createEvent({ type: n % 1_500 === 7 ? 'rare' : 'placed', data: { n } })));
        const rare: number[] = [];
        for await (const e of log.read('orders', { types: ['rare'] })) rare.push((e.event.data as { n: number }).n);
        assert.deepEqual(rare, [7, 1507, 3007, 4507]);
        const limited: number[] = [];
        for await (const e of log.read('orders', { limit: 700, from: { position: 5_500 } })) limited.push(e.position);
        assert.deepEqual([limited.length, limited[0], limited.at(-1)], [501, 5_500, 6_000]);
        const seen = new Set<number>();
        for (let batch = await log.fetch('orders', 'g', { max: 1_000, leaseMs: 60_000 }); batch.length > 0; batch = await log.fetch('orders', 'g', { max: 1_000, leaseMs: 60_000 })) {
          for (const d of batch) seen.add(d.position);
          await log.settle('orders', 'g', batch.map((d) => ({ kind: 'ack' as const, position: d.position, leaseId: d.leaseId })));
        }
        assert.equal(seen.size, 6_000);
      } finally {
        await log.close();
      }
    });
  });
} else {
  skipWithoutPg('postgres: topic scans by windows of positions');
}
