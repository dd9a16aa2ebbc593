import pg from 'pg';
import type { BenchPayload } from '../payload.js';
import { asError } from '../errors.js';
import type { Consumer } from './types.js';

interface Waiting { body: string; resolve: () => void; reject: (e: unknown) => void }

/** Most rows in one INSERT. */
const MAX_BATCH = 1000;

/**
 * Client-side group commit: publishes wait in a queue; whenever one of `connections` is free, it
 * takes everything waiting (up to MAX_BATCH) into one INSERT … SELECT unnest($1::jsonb[]), one
 * transaction, one WAL flush, and resolves them all.
 */
export function batchInserter(pool: pg.Pool, table: string, connections: number): (p: BenchPayload) => Promise<void> {
  const queue: Waiting[] = [];
  let busy = 0;
  let scheduled = false;
  const sql = `INSERT INTO ${table} (body) SELECT * FROM unnest($1::jsonb[])`;
  const kick = (): void => {
    scheduled = false;
    while (busy < connections && queue.length > 0) {
      const batch = queue.splice(0, MAX_BATCH);
      busy++;
      pool.query(sql, [batch.map((w) => w.body)]).then(
        () => { for (const w of batch) w.resolve(); },
        (error: unknown) => { for (const w of batch) w.reject(error); },
      ).finally(() => { busy--; kick(); }).catch(() => {});
    }
  };
  return (p) => new Promise<void>((resolve, reject) => {
    queue.push({ body: JSON.stringify(p), resolve, reject });
    if (!scheduled) { scheduled = true; setImmediate(kick); } // gather what one tick publishes
  });
}

/**
 * `workers` connections, each looping: BEGIN; DELETE the oldest `batch` unlocked rows (FOR UPDATE
 * SKIP LOCKED) RETURNING them; run the handler; COMMIT (the ack). An empty queue waits for a
 * NOTIFY (or 50 ms); a notification that came while querying is not missed (generation count).
 */
export async function queueWorkers(config: pg.ClientConfig, table: string, workers: number, batch: number, onEvent: (p: BenchPayload) => void): Promise<Consumer> {
  const listener = new pg.Client(config);
  await listener.connect();
  let generation = 0;
  let wakers: (() => void)[] = [];
  listener.on('notification', () => {
    generation++;
    const w = wakers;
    wakers = [];
    w.forEach((f) => f());
  });
  await listener.query(`LISTEN ${table}`);
  const sleep = (seen: number): Promise<void> => new Promise((resolve) => {
    if (generation !== seen) return resolve();
    const timer = setTimeout(resolve, 50);
    wakers.push(() => { clearTimeout(timer); resolve(); });
  });
  const sql = `DELETE FROM ${table} WHERE id IN (SELECT id FROM ${table} ORDER BY id FOR UPDATE SKIP LOCKED LIMIT $1) RETURNING id, body`;
  let stopping = false;
  const clients = await Promise.all(Array.from({ length: workers }, async () => {
    const c = new pg.Client(config);
    await c.connect();
    return c;
  }));
  const loops = clients.map(async (c) => {
    while (!stopping) {
      const seen = generation;
      await c.query('BEGIN');
      const res = await c.query<{ id: string; body: BenchPayload }>(sql, [batch]);
      for (const row of res.rows) onEvent(row.body);
      await c.query('COMMIT');
      if (res.rows.length === 0) await sleep(seen);
    }
  });
  let failure: unknown;
  const all = Promise.all(loops).catch((error: unknown) => { failure = error; });
  return {
    async stop(): Promise<void> {
      stopping = true;
      wakers.forEach((f) => f());
      await all;
      await Promise.all([listener.end(), ...clients.map((c) => c.end())]);
      if (failure !== undefined) throw asError(failure);
    },
  };
}
