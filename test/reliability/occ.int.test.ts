/**
 * R9: optimistic concurrency and idempotent resend, on the embedded store (SqliteLog) and on
 * PostgreSQL. Sizes: `HERALD_R9_WRITERS` × `HERALD_R9_APPENDS` (8 × 1,000) and
 * `HERALD_R9_RESEND` ids (10,000). PostgreSQL runs 8 × `HERALD_R9_PG_APPENDS` (default 150): every
 * attempt there is a 4-statement transaction serialised on the stream row, and the race makes
 * ~5 attempts per revision (~6 ms each): 8 × 1,000 took ~200 s on 2 cores (the soak sets 1,000). Herald deduplicates by event id within a topic with no time
 * window, so the resend after 25 h on a fake clock must still return the original receipts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { openSqliteLog } from '../../src/backends/sqlite/index.js';
import type { PostgresLog } from '../../src/backends/postgres/postgres-log.js';
import { pgUp, skipWithoutPg, TestSchemas } from '../../src/backends/postgres/test-helpers.js';
import { FakeClock } from '../conformance/fake-clock.js';
import { occRace, resendAfterRestart } from './occ.js';

const WRITERS = Number(process.env.HERALD_R9_WRITERS ?? 8);
const APPENDS = Number(process.env.HERALD_R9_APPENDS ?? 1_000);
const PG_APPENDS = Number(process.env.HERALD_R9_PG_APPENDS ?? 150);
const RESEND = Number(process.env.HERALD_R9_RESEND ?? 10_000);

describe('R9 on the embedded store (SqliteLog)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'herald-r9-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it(`${WRITERS} writers × ${APPENDS} appends with an expected revision, each its own SqliteLog on one file`, { timeout: 5 * 60_000 }, async () => {
    const path = join(dir, 'occ.db');
    const writers = await Promise.all(Array.from({ length: WRITERS }, () => openSqliteLog({ path })));
    try {
      await occRace(writers, 'account-1', APPENDS);
    } finally {
      await Promise.all(writers.map((log) => log.close()));
    }
  });

  it(`resend ${RESEND} ids after a restart and after 25 h: original receipts, 0 new events`, { timeout: 5 * 60_000 }, async () => {
    const clock = new FakeClock();
    await resendAfterRestart(() => openSqliteLog({ path: join(dir, 'resend.db'), clock }), clock, 'payments', RESEND);
  });
});

if (pgUp) {
  describe('R9 on PostgreSQL', () => {
    const schemas = new TestSchemas();
    after(() => schemas.dropAll());

    it(`${WRITERS} writers × ${PG_APPENDS} appends with an expected revision, each its own PostgresLog (own pool)`, { timeout: 5 * 60_000 }, async () => {
      const schema = schemas.fresh();
      const writers: PostgresLog[] = [];
      for (let i = 0; i < WRITERS; i++) writers.push(await schemas.open(schema, { poolSize: 1 }));
      try {
        await occRace(writers, 'account-1', PG_APPENDS);
      } finally {
        await Promise.all(writers.map((log) => log.close()));
      }
    });

    it(`resend ${RESEND} ids after a restart and after 25 h: original receipts, 0 new events`, { timeout: 5 * 60_000 }, async () => {
      const clock = new FakeClock();
      const schema = schemas.fresh();
      await resendAfterRestart(() => schemas.open(schema, { clock }), clock, 'payments', RESEND);
    });
  });
} else {
  skipWithoutPg('R9 on PostgreSQL');
}
