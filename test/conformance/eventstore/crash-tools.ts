/** Shared by the SIGKILL tests of the event store (sqlite and PostgreSQL). */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { EventLog } from '../../../src/log/types.js';
import { describeResult, History, type AnomalyKind, type CheckResult, type Op, type Seen } from '../../reliability/history.js';

/**
 * Runs a child (a script beside this file) until `killAfterMs` past its READY line (SIGKILL;
 * counted from READY so that a loaded machine's slow start-up does not eat the run) or until it
 * exits by itself; returns its stdout lines.
 */
export function runChild(script: string, args: string[], killAfterMs?: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [join(import.meta.dirname, script), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let timer: NodeJS.Timeout | undefined;
    proc.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      if (killAfterMs !== undefined && timer === undefined && out.includes('READY\n')) timer = setTimeout(() => proc.kill('SIGKILL'), killAfterMs);
    });
    proc.stderr.setEncoding('utf8').on('data', (d: string) => { err += d; });
    proc.on('error', reject);
    proc.on('close', (code, signal) => {
      clearTimeout(timer);
      if (signal !== 'SIGKILL' && code !== 0) reject(new Error(`${script} exited ${code}: ${err}`));
      else resolve(out.split('\n').filter((l) => l.length > 0));
    });
  });
}

/** What a full read of `topics` saw, as history reads (test/reliability/history.ts), and the ids per topic in log order. */
export async function readTopics(log: EventLog, topics: readonly string[]): Promise<{ ids: Map<string, string[]>; reads: Op[] }> {
  const history = new History();
  const ids = new Map<string, string[]>();
  for (const topic of topics) {
    const seen: Seen[] = [];
    // Events without a key are one order domain per topic: the topic is their key.
    for await (const stored of log.read(topic)) seen.push({ position: stored.position, id: stored.event.id, key: stored.event.partitionkey ?? topic });
    history.read(topic, seen);
    ids.set(topic, seen.map((s) => s.id));
  }
  return { ids, reads: history.ops };
}

/** Asserts a history has no anomaly but those of `allowed` kinds, with the counts and the seed in the message. */
export function assertClean(result: CheckResult, seed: number, allowed: readonly AnomalyKind[] = []): void {
  const anomalies = result.anomalies.filter((a) => !allowed.includes(a.kind));
  assert.deepEqual(anomalies, [], `seed ${seed}: ${describeResult({ ...result, anomalies })}`);
}

/**
 * An outbox child's business transactions as history appends (key: the topic, whose commit order
 * the relay keeps): `I <topic> <id>...` invokes one, then it committed (its ids are in `committed`:
 * ok, the position is the relay's to give), rolled back (`R` line: fail) or was in flight at the
 * kill (info). The child runs one transaction at a time, so each outcome precedes the next invoke.
 */
export function recordCommits(lines: readonly string[], runId: string, committed: ReadonlySet<string>, history: History): void {
  const rolledBack = new Set(lines.filter((l) => l.startsWith('R ')).flatMap((l) => l.split(' ').slice(1)));
  for (const line of lines) {
    if (!line.startsWith('I ')) continue;
    const [, topic, ...ids] = line.split(' ');
    for (const id of ids) history.invoke(runId, topic!, topic!, id);
    for (const id of ids) {
      if (committed.has(id)) history.ok(id);
      else if (rolledBack.has(id)) history.fail(id);
      else history.info(id);
    }
  }
}
