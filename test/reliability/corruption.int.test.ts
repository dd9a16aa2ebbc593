import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, readSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openSqliteLog } from '../../src/backends/sqlite/index.js';
import type { CloudEvent } from '../../src/core/envelope.js';
import { seededRandom, seedFromEnv } from '../crash/random.js';
import { copyDatabase, makeEvent, reopenAndRead } from './damage.js';

// R5, the database file: page headers garbled and bit flips anywhere, each in a copy of a closed
// (fully checkpointed) database, reopened the way herald opens it (quick_check on).
// The bit-flip sweep runs only when asked (HERALD_R5_FLIPS=200): it documents an open defect, and
// in one CI run a flipped copy took the whole test process down, which an in-process sweep cannot
// contain (next step: one child process per flip, counting crashes as an outcome).
const FLIPS = Number(process.env.HERALD_R5_FLIPS ?? 0);
const PAGE_GARBLES = 50;
const PAGE_SIZE = 4096;
const TOPIC = 'damage';

type Outcome = 'refused' | 'read-failed' | 'untyped-error' | 'identical' | 'wrong-data';
type Counts = Record<Outcome, number>;

describe('R5: corruption of the database file', { timeout: 5 * 60_000 }, () => {
  const seed = seedFromEnv();
  const random = seededRandom(seed);
  let dir = '';
  let db = '';
  let expected = '';

  before(async () => {
    console.log(`R5 corruption seed ${seed} (replay with HERALD_SEED=${seed})`);
    dir = mkdtempSync(join(tmpdir(), 'herald-r5c-'));
    db = join(dir, 'source', 'herald.db');
    const log = await openSqliteLog({ path: db });
    const written: CloudEvent[] = [];
    for (let c = 0; c < 30; c++) {
      const events = Array.from({ length: 10 }, (_, i) => makeEvent(c, i));
      await log.append(TOPIC, events);
      written.push(...events);
    }
    await log.close();
    expected = JSON.stringify(written);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** Damages a fresh copy, reopens and reads it; a typed refusal must be HERALD_E_CORRUPT. */
  async function attempt(label: string, at: number, mask: number, counts: Counts, bad: string[]): Promise<void> {
    const copy = copyDatabase(db, join(dir, 'case'), false);
    xorByte(copy, at, mask);
    const result = await reopenAndRead(copy, TOPIC);
    let outcome: Outcome;
    if (result.kind === 'read') outcome = JSON.stringify(result.events.map((s) => s.event)) === expected ? 'identical' : 'wrong-data';
    else if (result.code.startsWith('untyped')) outcome = 'untyped-error';
    else {
      assert.equal(result.code, 'HERALD_E_CORRUPT', `${label}: ${result.kind} with ${result.code}: ${result.message}`);
      outcome = result.kind;
    }
    counts[outcome]++;
    if (outcome === 'wrong-data' || outcome === 'untyped-error') bad.push(`${outcome} after ${label}${result.kind === 'read' ? '' : `: ${result.message.slice(0, 80)}`}`);
  }
  const zero = (): Counts => ({ refused: 0, 'read-failed': 0, 'untyped-error': 0, identical: 0, 'wrong-data': 0 });

  it(`${PAGE_GARBLES} garbled b-tree page headers: herald refuses to start with HERALD_E_CORRUPT, never serves the file`, async () => {
    const counts = zero();
    const bad: string[] = [];
    const pages = Math.floor(statSync(db).size / PAGE_SIZE);
    for (let g = 0; g < PAGE_GARBLES; g++) {
      const page = Math.floor(random() * pages);
      await attempt(`page ${page + 1} header (seed ${seed})`, page * PAGE_SIZE + (page === 0 ? 100 : 0), 0xff, counts, bad);
    }
    console.log(`R5 page headers garbled: ${JSON.stringify(counts)}`);
    assert.deepEqual(bad, []);
    assert.equal(counts.refused + counts['read-failed'], PAGE_GARBLES);
  });

  // Defect (open): SQLite has no page checksums and quick_check does not look inside records, so a
  // flipped bit in an event's stored JSON is served as changed data, or fails the read with a bare
  // SyntaxError instead of HERALD_E_CORRUPT. Marked todo until events carry a checksum.
  it(`${FLIPS} random bit flips: every one is refused (HERALD_E_CORRUPT) or harmless; none serves changed data`, {
    todo: 'open defect: payload bit flips are served (no per-event or page checksum); see docs/reliability.md',
    skip: FLIPS === 0 ? 'set HERALD_R5_FLIPS=200 to run the bit-flip sweep (open defect, see docs/reliability.md)' : false,
  }, async () => {
    const counts = zero();
    const bad: string[] = [];
    const size = statSync(db).size;
    for (let f = 0; f < FLIPS; f++) {
      const at = Math.floor(random() * size);
      const bit = Math.floor(random() * 8);
      await attempt(`bit ${bit} of byte ${at} (page ${Math.floor(at / PAGE_SIZE) + 1}, seed ${seed})`, at, 1 << bit, counts, bad);
    }
    console.log(`R5 random bit flips: ${JSON.stringify(counts)}`);
    for (const line of bad.slice(0, 5)) console.log(`R5   ${line}`);
    assert.equal(counts['untyped-error'], 0, 'a damaged record fails the read with HERALD_E_CORRUPT');
    assert.equal(counts['wrong-data'], 0, 'changed data is never served');
  });
});

function xorByte(path: string, at: number, mask: number): void {
  const fd = openSync(path, 'r+');
  try {
    const byte = Buffer.alloc(1);
    readSync(fd, byte, 0, 1, at);
    byte[0]! ^= mask;
    writeSync(fd, byte, 0, 1, at);
  } finally {
    closeSync(fd);
  }
}
