/**
 * One child of the R5 bit-flip sweep (corruption.int.test.ts). For each flip of its job it copies
 * the source database, flips the bit, opens the copy as herald does (quick_check on), reads the
 * topic, fetches it through a new consumer group, reads the stream and `$all`, and classifies what
 * came back against the expected events. It writes `S <index>` before a flip and `R <index> <outcome> <detail>` after, so
 * the parent can tell which flip a crash or hang happened on and restart it on the rest.
 * Usage: node flip-child.js <job.json>
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openSqliteLog } from '../../src/backends/sqlite/index.js';
import { HeraldError } from '../../src/core/errors.js';
import { allRow, copyDatabase, streamRow, xorByte, type Expected, type Row } from './damage.js';
import { writeLine } from './write-line.js';

export interface FlipJob {
  source: string;
  /** JSON of `Expected`, read from the undamaged database. */
  expected: string;
  workDir: string;
  topic: string;
  stream: string;
  flips: Array<{ index: number; at: number; bit: number }>;
}

/** identical: every event served unchanged; missing: fewer events, each unchanged; wrong-data: a served event differs. */
export type FlipOutcome = 'refused' | 'read-failed' | 'identical' | 'missing' | 'wrong-data' | 'other-error' | 'crashed' | 'hung';

type Served = Array<{ against: keyof Expected; rows: Row[] }>;


async function serve(path: string, topic: string, stream: string): Promise<{ outcome: 'refused' | 'other-error'; detail: string } | Served> {
  let log;
  try {
    log = await openSqliteLog({ path, checkpointIntervalMs: 0, integrityCheck: process.env.HERALD_R5_INTEGRITY === 'full' ? 'full' : 'quick' });
  } catch (error) {
    return error instanceof HeraldError && error.code === 'HERALD_E_CORRUPT' ? { outcome: 'refused', detail: error.code } : { outcome: 'other-error', detail: `open: ${String(error)}` };
  }
  try {
    const read: Row[] = [];
    for await (const s of log.read(topic)) read.push([s.position, s.appendedAt, s.event]);
    const fetched: Row[] = [];
    for (;;) {
      const batch = await log.fetch(topic, 'flip', { max: 500, leaseMs: 60_000, from: 'earliest' });
      if (batch.length === 0) break;
      for (const d of batch) fetched.push([d.position, d.appendedAt, d.event]);
    }
    const streamRows: Row[] = [];
    for await (const r of log.streams.readStream(stream)) streamRows.push(streamRow(r));
    const all: Row[] = [];
    for await (const r of log.streams.readAll()) all.push(allRow(r));
    return [{ against: 'topic', rows: read }, { against: 'topic', rows: fetched }, { against: 'stream', rows: streamRows }, { against: 'all', rows: all }];
  } finally {
    await log.close().catch(() => undefined);
  }
}

function classify(served: Served, expected: Record<keyof Expected, Map<number, string>>): { outcome: FlipOutcome; detail: string } {
  const missing: string[] = [];
  for (const { against, rows } of served) {
    const want = expected[against];
    const seen = new Set<number>();
    for (const row of rows) {
      if (want.get(row[0]) !== JSON.stringify(row) || seen.has(row[0])) return { outcome: 'wrong-data', detail: `${against} ${row[0]}` };
      seen.add(row[0]);
    }
    if (seen.size < want.size) missing.push(`${against} ${seen.size} of ${want.size}`);
  }
  return missing.length > 0 ? { outcome: 'missing', detail: missing.join(', ') } : { outcome: 'identical', detail: '' };
}

const jobPath = process.argv[2];
if (!jobPath) throw new Error('usage: flip-child.js <job.json>');
const job = JSON.parse(readFileSync(jobPath, 'utf8')) as FlipJob;
const byKey = (rows: Row[]): Map<number, string> => new Map(rows.map((row) => [row[0], JSON.stringify(row)]));
const source = JSON.parse(readFileSync(job.expected, 'utf8')) as Expected;
const expected = { topic: byKey(source.topic), stream: byKey(source.stream), all: byKey(source.all) };
for (const flip of job.flips) {
  writeLine(`S ${flip.index}`);
  const copy = copyDatabase(job.source, join(job.workDir, 'case'), false);
  xorByte(copy, flip.at, 1 << flip.bit);
  let result: { outcome: FlipOutcome; detail: string };
  try {
    const served = await serve(copy, job.topic, job.stream);
    result = Array.isArray(served) ? classify(served, expected) : served;
  } catch (error) {
    result = error instanceof HeraldError && error.code === 'HERALD_E_CORRUPT'
      ? { outcome: 'read-failed', detail: error.message.slice(0, 120) }
      : { outcome: 'other-error', detail: `${error instanceof HeraldError ? error.code : (error as Error).name}: ${String(error).slice(0, 160)}` };
  }
  writeLine(`R ${flip.index} ${result.outcome} ${result.detail.replace(/\n/g, ' ')}`);
}
writeLine('DONE');
