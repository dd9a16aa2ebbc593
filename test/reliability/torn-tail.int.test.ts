import assert from 'node:assert/strict';
import { openSync, closeSync, mkdtempSync, readSync, rmSync, truncateSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { openSqliteLog } from '../../src/backends/sqlite/index.js';
import type { CloudEvent } from '../../src/core/envelope.js';
import { seededRandom, seedFromEnv } from '../crash/random.js';
import { copyDatabase, makeEvent, reopenAndRead } from './damage.js';
import { check, describeResult, History } from './history.js';
import { walLayout, type WalFrame } from './wal-frames.js';

// R5, the write-ahead log's tail. Synced commits (phase A) are followed by commits that stand for
// the unsynced tail a power cut may tear (phase B); the WAL is cut or garbled only inside phase B.
const SYNCED_COMMITS = 30;
const TAIL_COMMITS = 12;
/** Every STRIDE-th byte of the last 2 commits is a cut (1 = every byte, for the soak). */
const STRIDE = Number(process.env.HERALD_R5_STRIDE ?? 61);
const GARBLES = 50;
const TOPIC = 'damage';

const stored = (e: CloudEvent): unknown => JSON.parse(JSON.stringify(e));

test('R5: a torn or garbled WAL tail is dropped whole commits at a time; no synced record is lost', { timeout: 5 * 60_000 }, async () => {
  const seed = seedFromEnv();
  console.log(`R5 torn tail seed ${seed} (replay with HERALD_SEED=${seed})`);
  const random = seededRandom(seed);
  const dir = mkdtempSync(join(tmpdir(), 'herald-r5-'));
  try {
    const db = join(dir, 'source', 'herald.db');
    const log = await openSqliteLog({ path: db, checkpointIntervalMs: 0, checkpointBytes: 2 ** 40, truncateBytes: 2 ** 40 });
    const history = new History();
    const commits: CloudEvent[][] = [];
    const appendCommit = async (synced: boolean): Promise<void> => {
      const events = Array.from({ length: 1 + Math.floor(random() * 5) }, (_, i) => makeEvent(commits.length, i));
      commits.push(events);
      for (const e of events) history.invoke('p', TOPIC, String(e.partitionkey), e.id);
      const receipts = await log.append(TOPIC, events);
      // Phase B was acked too, but stands for what a power cut could tear: its outcome is unknown.
      receipts.forEach((r) => (synced ? history.ok(r.id, r.position) : history.info(r.id)));
    };
    for (let c = 0; c < SYNCED_COMMITS; c++) await appendCommit(true);
    const syncedFrames = walLayout(`${db}-wal`);
    const syncedEnd = syncedFrames.frames.at(-1)!.end;
    for (let c = 0; c < TAIL_COMMITS; c++) await appendCommit(false);
    const snapshot = copyDatabase(db, join(dir, 'snapshot'), true);
    await log.close();

    const layout = walLayout(`${snapshot}-wal`);
    const tail = layout.commits.slice(syncedFrames.commits.length);
    assert.equal(tail.length, TAIL_COMMITS, 'one WAL commit per tail append');
    const size = layout.pageSize + 24;

    /** Opens a damaged copy; the tail commits wholly before `validEnd` must survive, nothing else of the tail. */
    let cases = 0;
    const expectPrefix = async (label: string, validEnd: number, damage: (wal: string) => void): Promise<void> => {
      cases++;
      const copy = copyDatabase(snapshot, join(dir, 'case'), true);
      damage(`${copy}-wal`);
      const result = await reopenAndRead(copy, TOPIC);
      assert.equal(result.kind, 'read', `${label}: ${JSON.stringify(result).slice(0, 300)}`);
      if (result.kind !== 'read') return;
      const kept = tail.filter((f: WalFrame) => f.end <= validEnd).length;
      const expected = commits.slice(0, SYNCED_COMMITS + kept).flat();
      assert.deepEqual(result.events.map((s) => s.event), expected.map(stored), `${label}: exactly the synced commits and ${kept} whole tail commits`);
      const h = new History();
      h.ops.push(...history.ops);
      h.read(TOPIC, result.events.map((s) => ({ position: s.position, id: s.event.id, key: String(s.event.partitionkey) })));
      const checked = check(h.ops, { contiguous: true });
      assert.deepEqual(checked.anomalies, [], `${label}: ${describeResult(checked)}`);
    };

    // Cuts: every STRIDE-th byte of the last 2 commits, each frame boundary ±1, every commit boundary of the tail.
    const lastTwoStart = tail.at(-3)!.end;
    const cuts = new Set<number>([syncedEnd]);
    for (let at = lastTwoStart + Math.floor(random() * STRIDE); at <= tail.at(-1)!.end; at += STRIDE) cuts.add(at);
    for (const frame of layout.frames.filter((f) => f.offset >= lastTwoStart)) for (const d of [-1, 0, 1, 23, 24, 25]) cuts.add(frame.offset + d);
    for (const commit of tail) cuts.add(commit.end);
    for (const at of [...cuts].sort((a, b) => a - b)) {
      await expectPrefix(`cut at ${at}`, at - ((at - 32) % size === 0 ? 0 : (at - 32) % size), (wal) => truncateSync(wal, at));
    }
    // Garbles: 1-8 bytes XORed with non-zero values somewhere in the tail; the damaged frame and all after it go.
    for (let g = 0; g < GARBLES; g++) {
      const at = syncedEnd + Math.floor(random() * (tail.at(-1)!.end - syncedEnd));
      const length = 1 + Math.floor(random() * 8);
      const mask = Buffer.from(Array.from({ length }, () => 1 + Math.floor(random() * 255)));
      const frameStart = at - ((at - 32) % size);
      await expectPrefix(`garble ${length} bytes at ${at}`, frameStart, (wal) => xorAt(wal, at, mask));
    }
    console.log(`R5 torn tail: ${cases} damaged copies (${cuts.size} cuts, ${GARBLES} garbles), ${commits.flat().length} events, each reopened with the synced prefix intact`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

function xorAt(path: string, at: number, mask: Buffer): void {
  const fd = openSync(path, 'r+');
  try {
    const bytes = Buffer.alloc(mask.length);
    const read = readSync(fd, bytes, 0, mask.length, at);
    for (let i = 0; i < read; i++) bytes[i]! ^= mask[i]!;
    writeSync(fd, bytes, 0, read, at);
  } finally {
    closeSync(fd);
  }
}
