/** Shared by the postgres backend's tests (not part of the public API). */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { it } from 'node:test';
import { requireService, SERVICE_URLS } from '../../../test/services.js';
import { openPostgresLog } from './index.js';
import type { PostgresLogOptions } from './options.js';
import type { PostgresLog } from './postgres-log.js';

export const PG_URL = SERVICE_URLS.postgres;

/** True when the server is up; under CI a missing server fails loudly, elsewhere the caller registers a skip. */
export const pgUp = await requireService('postgres');

/** Registers one skipped test naming how to start the server (when `pgUp` is false). */
export function skipWithoutPg(what: string): void {
  it(`${what} (skipped: PostgreSQL is not reachable)`, { skip: 'PostgreSQL is not reachable; see test/services.ts for the start command' }, () => undefined);
}

/**
 * Schemas of one test run: `herald_t_<pid>_<random>_<n>`, so people testing on the same server at
 * once never meet; `dropAll` removes every schema the run made.
 */
export class TestSchemas {
  readonly prefix = `herald_t_${process.pid}_${randomBytes(3).toString('hex')}`;
  private made: string[] = [];

  fresh(): string {
    const name = `${this.prefix}_${this.made.length + 1}`;
    this.made.push(name);
    return name;
  }

  get last(): string {
    return this.made.at(-1)!;
  }

  async open(schema: string, options: Partial<PostgresLogOptions> = {}): Promise<PostgresLog> {
    return openPostgresLog({ connectionString: PG_URL, schema, poolSize: 3, ...options });
  }

  async dropAll(): Promise<void> {
    if (this.made.length === 0) return;
    const client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
    try {
      for (let i = 0; i < this.made.length; i += 50) {
        await client.query(`DROP SCHEMA IF EXISTS ${this.made.slice(i, i + 50).map((s) => `"${s}"`).join(', ')} CASCADE`);
      }
    } finally {
      await client.end();
    }
    this.made = [];
  }
}

/**
 * Follows a log live with `readAfter(last)` (positions greater than `last` visible now, in order)
 * while `write()` runs; returns every position in the order the reader saw it.
 */
export async function followLive(write: () => Promise<void>, readAfter: (last: number) => Promise<number[]>): Promise<number[]> {
  const seen: number[] = [];
  let writing = true;
  const writers = write().finally(() => { writing = false; });
  let last = 0;
  for (let quiet = 0; quiet < 2;) {
    const page = await readAfter(last);
    seen.push(...page);
    last = Math.max(last, ...page);
    if (!writing && page.length === 0) quiet++;
  }
  await writers;
  return seen;
}

/** Positions committed but never seen by the reader. */
export const missed = (committed: readonly number[], seen: readonly number[]): number[] => {
  const s = new Set(seen);
  return committed.filter((p) => !s.has(p));
};

export async function concurrently(loops: number, step: () => Promise<boolean>): Promise<void> {
  await Promise.all(Array.from({ length: loops }, async () => { while (await step()); }));
}
