import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runProcess } from './run-process.js';
import { auditTrace, type AuditResult } from './strace-audit.js';

// R4 at the CI size: 10k single appends + 1,000 appends of 100 events (100k events), each sequential.
const SINGLES = Number(process.env.HERALD_R4_SINGLES ?? 10_000);
const BATCHES = Number(process.env.HERALD_R4_BATCHES ?? 1_000);
const BATCH_SIZE = 100;
const child = join(import.meta.dirname, 'fsync-child.js');

/** Runs the child under strace; returns the audit of its trace. */
function traced(durability: 'fsync' | 'os', singles: number, batches: number): Promise<AuditResult> {
  const dir = mkdtempSync(join(tmpdir(), 'herald-r4-'));
  const trace = join(dir, 'trace.txt');
  const args = ['-f', '--seccomp-bpf', '-tt', '-s', '24', '-o', trace, '-e', 'trace=openat,close,pwrite64,write,writev,fdatasync,fsync',
    process.execPath, child, join(dir, 'audit.db'), durability, String(singles), String(batches), String(BATCH_SIZE)];
  return runProcess('strace', args).then(({ code, out, err }) => {
    if (code !== 0 || !out.includes('DONE')) throw new Error(`strace/child exited ${code}: ${err.slice(-2000)}`);
    return auditTrace(readFileSync(trace, 'utf8'));
  }).finally(() => { rmSync(dir, { recursive: true, force: true }); });
}

const skip = spawnSync('strace', ['-V']).status === 0 ? undefined : 'strace is not installed (apt-get install -y strace)';

describe('R4: fsync audit under strace', { timeout: 10 * 60_000, skip }, () => {
  it(`fsync: every ack of ${SINGLES} single and ${BATCHES}×${BATCH_SIZE} batched appends follows a WAL sync that covers it`, async () => {
    const started = performance.now();
    const result = await traced('fsync', SINGLES, BATCHES);
    console.log(`R4 fsync: ${JSON.stringify({ ...result, uncovered: result.uncovered.length })} in ${Math.round(performance.now() - started)} ms`);
    assert.equal(result.acks, SINGLES + BATCHES, 'one ack marker per append');
    assert.deepEqual(result.uncovered.slice(0, 5), [], `${result.uncovered.length} acks not covered by a WAL sync`);
    assert.ok(result.walSyncs > 0 && result.walWrites >= result.acks);
  });

  it('os: acks are not held for a sync (the audit sees acks with no covering sync)', async () => {
    const result = await traced('os', 1_000, 10);
    console.log(`R4 os: ${JSON.stringify({ ...result, uncovered: result.uncovered.length })}`);
    assert.equal(result.acks, 1_010);
    assert.ok(result.uncovered.length > result.acks / 2, 'in os mode most acks precede any sync of their write');
    assert.ok(result.uncovered.every((u) => u.why.startsWith('WAL write')), 'each ack still follows its own WAL write');
  });
});
