import pg from 'pg';
import type { BenchPayload } from '../payload.js';
import { Unavailable, type Channel, type ConsumeOptions, type Consumer, type Peer, type Producer } from './types.js';
import { batchInserter, queueWorkers } from './postgres-queue.js';

const CONFIG: pg.ClientConfig = { host: '127.0.0.1', port: 5432, user: 'postgres', database: 'test', connectionTimeoutMillis: 3000 };
const START = 'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start';
/** Connections per producer, and consumer workers per group. */
const CONNECTIONS = 4;

/**
 * PostgreSQL as a queue table (id bigserial, body jsonb). A producer batches what is waiting into
 * one multi-row INSERT per transaction over a few connections (client-side group commit: one
 * connection would sit in each fsync). Consumers: a few workers each running
 * `DELETE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED LIMIT n) RETURNING` in a transaction that
 * commits after the handler (the ack), woken by LISTEN/NOTIFY from a statement trigger.
 */
export class PostgresPeer implements Peer {
  readonly id = 'postgres';
  readonly label = 'PostgreSQL';
  readonly client = `pg 8 (node-postgres); ${CONNECTIONS} connections per producer, batched INSERT; ${CONNECTIONS} SKIP LOCKED workers`;
  durability = 'synchronous_commit=on: WAL fdatasync before COMMIT returns';
  readonly startCommand = START;
  private admin: pg.Client | undefined;
  private serverVersion = '?';

  async open(): Promise<void> {
    const admin = new pg.Client(CONFIG);
    try {
      await admin.connect();
    } catch (error) {
      throw new Unavailable(this.label, START, error);
    }
    this.admin = admin;
    this.serverVersion = String((await admin.query<{ server_version: string }>('SHOW server_version')).rows[0]?.server_version ?? '?');
    const setting = async (name: string): Promise<string> => String((await admin.query<Record<string, string>>(`SHOW ${name}`)).rows[0]?.[name] ?? '?');
    this.durability = `synchronous_commit=${await setting('synchronous_commit')}, fsync=${await setting('fsync')}: WAL flushed before COMMIT returns`;
    await admin.query(`CREATE OR REPLACE FUNCTION herald_bench_notify() RETURNS trigger LANGUAGE plpgsql AS
      $$ BEGIN PERFORM pg_notify(TG_TABLE_NAME, ''); RETURN NULL; END $$`);
  }

  version(): string {
    return this.serverVersion;
  }

  async channel(name: string): Promise<Channel> {
    const table = `bench_${name}`.toLowerCase().replace(/[^a-z0-9_]/g, '_');
    await this.admin!.query(`DROP TABLE IF EXISTS ${table}`);
    await this.admin!.query(`CREATE TABLE ${table} (id bigserial PRIMARY KEY, body jsonb NOT NULL)`);
    await this.admin!.query(`CREATE TRIGGER ${table}_notify AFTER INSERT ON ${table} FOR EACH STATEMENT EXECUTE FUNCTION herald_bench_notify()`);
    return new PostgresChannel(this.admin!, table);
  }

  async close(): Promise<void> {
    await this.admin?.end();
    this.admin = undefined;
  }
}

class PostgresChannel implements Channel {
  constructor(private readonly admin: pg.Client, private readonly table: string) {}

  async producer(): Promise<Producer> {
    const pool = new pg.Pool({ ...CONFIG, max: CONNECTIONS });
    const insert = batchInserter(pool, this.table, CONNECTIONS);
    return { publish: insert, close: () => pool.end() };
  }

  async consume(options: ConsumeOptions): Promise<Consumer> {
    return queueWorkers(CONFIG, this.table, CONNECTIONS, Math.ceil(options.inFlight / CONNECTIONS), (p) => options.onEvent(p));
  }

  async replay(max: number, onEvent: (p: BenchPayload) => void): Promise<number> {
    let n = 0;
    let after = 0;
    while (n < max) {
      const page = await this.admin.query<{ id: string; body: BenchPayload }>(
        `SELECT id, body FROM ${this.table} WHERE id > $1 ORDER BY id LIMIT $2`, [after, Math.min(10_000, max - n)]);
      if (page.rows.length === 0) break;
      for (const row of page.rows) onEvent(row.body);
      n += page.rows.length;
      after = Number(page.rows[page.rows.length - 1]!.id);
    }
    return n;
  }

  async close(): Promise<void> {
    await this.admin.query(`DROP TABLE IF EXISTS ${this.table}`);
  }
}
