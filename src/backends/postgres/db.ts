import pg from 'pg';
import { HeraldError } from '../../core/errors.js';
import { fromPg } from './errors.js';
import { redact, type ResolvedOptions } from './options.js';

const INT8 = 20;
/** The longest timer Node keeps: a query given it is, in effect, not limited. */
const UNLIMITED_MS = 2 ** 31 - 1;

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Positions, lease ids and times are bigint columns, well inside 2^53: read them as numbers. */
const types: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8 ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

/** Something to run queries on: a pooled connection (in a transaction) or the pool. */
export type Sql = Pick<pg.ClientBase, 'query'>;

/**
 * The log's connection pool: every query goes through `query` or `tx`, which map driver failures
 * to herald's errors (a refused or lost connection is HERALD_E_UNAVAILABLE, with the URL redacted).
 * Remembers the backend pids of its connections, so the log can tell its own NOTIFYs apart.
 */
export class Db {
  readonly pool: pg.Pool;
  /** The schema, quoted for SQL text. */
  readonly s: string;
  readonly where: string;
  readonly pids = new Set<number>();

  constructor(readonly options: ResolvedOptions) {
    this.s = quoteIdent(options.schema);
    this.where = redact(options.connectionString);
    this.pool = new pg.Pool(this.config(options.poolSize));
    const pidOf = (client: pg.PoolClient): number | null => (client as unknown as { processID: number | null }).processID;
    this.pool.on('connect', (client) => { const pid = pidOf(client); if (pid !== null) this.pids.add(pid); });
    // A closed connection's pid may be reused by someone else's backend: forget it.
    this.pool.on('remove', (client) => { const pid = pidOf(client); if (pid !== null) this.pids.delete(pid); });
    // An idle connection that dies is dropped by the pool; the next query opens a new one.
    this.pool.on('error', () => undefined);
  }

  /**
   * A query unanswered for `queryTimeoutMs` fails ("Query read timeout", HERALD_E_UNAVAILABLE):
   * the pool's `query` then destroys that connection (`release(err)`), and `session` does too, so a
   * connection black-holed by a partition is dropped instead of handed out again. TCP keepalive
   * (`keepAliveMs` before the first probe) also lets the kernel drop dead idle ones, slowly.
   */
  config(max: number): pg.PoolConfig {
    return {
      connectionString: this.options.connectionString,
      max,
      connectionTimeoutMillis: this.options.connectTimeoutMs,
      ...(this.options.queryTimeoutMs > 0 ? { query_timeout: this.options.queryTimeoutMs } : {}),
      keepAlive: true,
      keepAliveInitialDelayMillis: this.options.keepAliveMs,
      application_name: 'herald',
      types,
    };
  }

  /** `now` for SQL: the injected clock's time, or null for the server's clock (`COALESCE($n, now_ms())`). */
  now(): number | null {
    return this.options.clock ? this.options.clock.now() : null;
  }

  async query<R extends pg.QueryResultRow>(text: string, values: unknown[], doing: string): Promise<R[]> {
    try {
      return (await this.pool.query<R>(text, values)).rows;
    } catch (error) {
      throw fromPg(error, doing, this.where);
    }
  }

  /**
   * Runs `work` on one connection of the pool; a failure is mapped, a broken connection discarded.
   * `unlimited`: no query timeout (schema migrations, which may wait for another process's).
   */
  async session<T>(doing: string, work: (sql: Sql) => Promise<T>, options: { unlimited?: boolean } = {}): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw fromPg(error, doing, this.where);
    }
    let broken: Error | undefined;
    // pg emits 'error' on a checked-out client whose connection drops (server killed), even when a
    // query also fails with it; the pool only listens while the client is idle, so without this
    // listener the process dies of an uncaught exception (R10, broker kill -9).
    const onError = (error: Error): void => { broken ??= error; };
    client.on('error', onError);
    try {
      return await work(options.unlimited ? unlimited(client) : client);
    } catch (error) {
      const mapped = fromPg(error, doing, this.where);
      if (mapped instanceof HeraldError && mapped.code === 'HERALD_E_UNAVAILABLE') broken = mapped;
      throw mapped;
    } finally {
      client.off('error', onError);
      client.release(broken);
    }
  }

  /**
   * Runs `work` in one READ COMMITTED transaction; rolls back on any failure. `opening`, SQL text
   * without parameters, is sent with BEGIN as one round trip (a simple query of several statements)
   * and its rows are given to `work`; a `Closing` that `work` returns is sent with COMMIT likewise.
   */
  async tx<T>(doing: string, work: (sql: Sql, opened: pg.QueryResultRow[]) => Promise<T | Closing<T>>, opening?: string): Promise<T> {
    return this.session(doing, async (sql) => {
      try {
        // Inside the try: when the opening fails, BEGIN has run, and the transaction must be ended.
        const begun = await sql.query(opening === undefined ? 'BEGIN' : `BEGIN; ${opening}`) as pg.QueryResult | pg.QueryResult[];
        const result = await work(sql, Array.isArray(begun) ? begun.at(-1)!.rows : []);
        if (result instanceof Closing) {
          await sql.query(`${result.sql}; COMMIT`);
          return result.result;
        }
        await sql.query('COMMIT');
        return result;
      } catch (error) {
        // A lost or timed-out connection is destroyed (the server rolls back): a ROLLBACK sent on
        // it would only wait for its own timeout.
        const lost = fromPg(error, doing, this.where);
        if (!(lost instanceof HeraldError && lost.code === 'HERALD_E_UNAVAILABLE')) await sql.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
    });
  }

  async end(): Promise<void> {
    await this.pool.end();
  }
}

/** What a transaction's work returns when its last statements (SQL text, no parameters) go with COMMIT. */
export class Closing<T> {
  constructor(readonly result: T, readonly sql: string) {}
}

/** `client` with every query's timeout lifted (text and values only, which is all migrations use). */
function unlimited(client: pg.PoolClient): Sql {
  const query = (text: string, values?: unknown[]): Promise<pg.QueryResult> => client.query({ text, values, query_timeout: UNLIMITED_MS } as pg.QueryConfig);
  return { query } as unknown as Sql;
}

/** A PostgreSQL array literal of elements that need no quoting (numbers, plain words, NULL). */
export function arrayLiteral(elements: ReadonlyArray<string | number>): string {
  return `{${elements.join(',')}}`;
}

export async function rows<R extends pg.QueryResultRow>(sql: Sql, text: string, values: unknown[] = []): Promise<R[]> {
  return (await sql.query<R>(text, values)).rows;
}
