import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openSqliteLog } from '../../src/backends/sqlite/index.js';
import { inspectInstance, listInstances } from '../../src/workflow/index.js';
import { check, describeResult, History, type Seen } from '../reliability/history.js';
import { seededRandom, seedFromEnv } from './random.js';

const CYCLES = Number(process.env.HERALD_CRASH_CYCLES ?? 12);
const INSTANCES = 30;
const STEPS = ['a', 'b', 'c', 'd'];

/**
 * The checker's view of a workflow run: each instance's steps are a log of 4 slots (instance n, step
 * s at position 4n + s + 1, key = the instance), "appended" when the workflow log records the step
 * completed, and "read" from the instances' views. The effects are group deliveries in the order
 * they ran: `keyed` (the idempotency-keyed effect, exactly once: a second row for a step would be
 * a key that changed between attempts) and `attempts` (one per attempt that ran: at least once).
 */
const stepId = (instance: string, step: string): string => `${instance}#${step}`;
const stepPosition = (instance: string, step: string): number => Number(instance.split(':i')[1]) * STEPS.length + STEPS.indexOf(step) + 1;
const child = join(import.meta.dirname, 'workflow-child.js');

function runChild(args: string[], killAfterMs?: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [child, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    proc.stdout.setEncoding('utf8').on('data', (d: string) => { out += d; });
    proc.stderr.setEncoding('utf8').on('data', (d: string) => { err += d; });
    const timer = killAfterMs === undefined ? undefined : setTimeout(() => proc.kill('SIGKILL'), killAfterMs);
    proc.on('error', reject);
    proc.on('close', (code, signal) => {
      clearTimeout(timer);
      if (signal !== 'SIGKILL' && code !== 0) reject(new Error(`child exited ${code}: ${err}`));
      else resolve(out.split('\n').filter((l) => l.length > 0));
    });
  });
}

test(`workflows survive ${CYCLES} SIGKILLs at random points: every instance completes, keyed effects exactly once, others at most once per attempt`, { timeout: 10 * 60_000 }, async () => {
  const seed = seedFromEnv();
  console.log(`workflow crash test seed ${seed} (replay with HERALD_SEED=${seed})`);
  const random = seededRandom(seed);
  const dir = mkdtempSync(join(tmpdir(), 'herald-wf-crash-'));
  const db = join(dir, 'herald.db');
  const effectsDb = join(dir, 'effects.db');
  try {
    const progress: string[] = [];
    for (let cycle = 1; cycle <= CYCLES; cycle++) {
      const lines = await runChild([db, effectsDb, String(Math.min(INSTANCES, cycle * 4))], 400 + Math.floor(random() * 1_200));
      progress.push(lines.find((l) => l.startsWith('STARTED'))?.split(' ')[1] ?? '-');
    }
    console.log(`instances completed when each run started: ${progress.join(' ')}`);
    const drained = await runChild([db, effectsDb, String(INSTANCES), 'drain']);
    assert.ok(drained.includes('DRAINED'), 'the last run drained');
    assert.ok(existsSync(db));

    const log = await openSqliteLog({ path: db });
    const instances = await listInstances(log.streams, { workflow: 'crashy', limit: 1_000 });
    assert.equal(instances.length, INSTANCES);
    const effects = new Database(effectsDb, { readonly: true });
    const attempts = effects.prepare('SELECT instance, step, attempt, COUNT(*) AS n FROM attempts GROUP BY instance, step, attempt').all() as { instance: string; step: string; attempt: number; n: number }[];
    const keyed = new Set((effects.prepare('SELECT key FROM keyed').all() as { key: string }[]).map((r) => r.key));
    let lostAttempts = 0;
    const history = new History();
    const steps: Seen[] = [];
    for (const summary of instances) {
      assert.equal(summary.status, 'completed', `instance ${summary.id} completed`);
      const view = await inspectInstance(log.streams, 'crashy', summary.id);
      const n = Number(summary.id.slice(1));
      assert.equal(view.output, ['a', 'b', 'c', 'd'].map((s) => `${s}-${n}`).join(','));
      assert.deepEqual(view.steps.map((s) => s.name), ['a', 'b', 'c', 'd']);
      for (const step of view.steps) {
        assert.ok(keyed.has(`workflow-crashy:${summary.id}#${step.seq}`), `keyed effect of ${summary.id} ${step.name}`);
        const completed = step.attempts.filter((a) => a.endedAt !== undefined && a.error === undefined);
        assert.equal(completed.length, 1, `${summary.id} ${step.name} completed once`);
        const ran = attempts.filter((r) => r.instance === `crashy:${summary.id}` && r.step === step.name);
        for (const r of ran) {
          assert.equal(r.n, 1, `${summary.id} ${step.name} attempt ${r.attempt} ran at most once`);
          assert.ok(step.attempts.some((a) => a.attempt === r.attempt), `${summary.id} ${step.name} attempt ${r.attempt} was recorded before it ran`);
        }
        assert.ok(ran.some((r) => r.attempt === completed[0]!.attempt), 'the completed attempt ran');
        lostAttempts += step.attempts.filter((a) => a.lost).length;
        const instance = `crashy:${summary.id}`;
        const seen = { id: stepId(instance, step.name), position: stepPosition(instance, step.name), key: instance };
        history.invoke('workflow', 'steps', seen.key, seen.id);
        history.ok(seen.id, seen.position);
        steps.push(seen);
      }
    }
    history.read('steps', steps.sort((x, y) => x.position - y.position));
    const ran = (sql: string): void => {
      for (const r of effects.prepare(sql).all() as { instance: string; step: string; group: string }[]) {
        history.deliver('steps', r.group, { id: stepId(r.instance, r.step), position: stepPosition(r.instance, r.step), key: r.instance });
      }
    };
    ran("SELECT instance, step, 'keyed' AS \"group\" FROM keyed ORDER BY rowid");
    ran("SELECT instance, step, 'attempts' AS \"group\" FROM attempts ORDER BY rowid");
    const result = check(history.ops, { contiguous: true, exactlyOnceGroups: ['keyed'] });
    assert.deepEqual(result.anomalies, [], `seed ${seed}: ${describeResult(result)}`);
    assert.equal(keyed.size, INSTANCES * 4, 'each keyed effect exactly once');
    console.log(`${INSTANCES} instances completed over ${CYCLES} kills; ${attempts.length} attempts ran, ${lostAttempts} lost to kills and run again; ` +
      `checker (steps as a log, effects as group deliveries) ${describeResult(result)}`);
    effects.close();
    await log.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
