/**
 * The process the workflow crash test kills. It (re)starts the instances i0..i<n-1> (idempotent by
 * id) and runs them; every step's side effect is a row in the effects database:
 *   keyed(key PRIMARY KEY, instance, step) INSERT OR IGNORE by the step's idempotency key: exactly once
 *   attempts(instance, step, attempt)      one row per attempt that ran: at most once per attempt
 * Usage: node workflow-child.js <db> <effects-db> <n> [drain]   (drain: exit 0 once every instance ended)
 */
import Database from 'better-sqlite3';
import { openSqliteLog } from '../../src/backends/sqlite/index.js';
import { defineWorkflow, startWorkflowRunner } from '../../src/workflow/index.js';
import { writeLine } from '../reliability/write-line.js';

const [, , path, effectsPath, count, mode] = process.argv;
if (!path || !effectsPath || !count) throw new Error('usage: workflow-child.js <db> <effects-db> <n> [drain]');
const effects = new Database(effectsPath);
effects.pragma('journal_mode = WAL');
effects.pragma('busy_timeout = 5000');
effects.exec('CREATE TABLE IF NOT EXISTS keyed (key TEXT PRIMARY KEY, instance TEXT, step TEXT); CREATE TABLE IF NOT EXISTS attempts (instance TEXT, step TEXT, attempt INTEGER)');
const keyed = effects.prepare('INSERT OR IGNORE INTO keyed (key, instance, step) VALUES (?, ?, ?)');
const attempted = effects.prepare('INSERT INTO attempts (instance, step, attempt) VALUES (?, ?, ?)');

const crashy = defineWorkflow('crashy', { retry: { maxAttempts: 5, backoff: { initial: 20, max: 100 } } }, async (ctx, input: { n: number }) => {
  const effect = (name: string, fail = false) => ctx.step(name, async (s) => {
    attempted.run(s.workflow + ':' + s.instanceId, name, s.attempt);
    keyed.run(s.idempotencyKey, s.workflow + ':' + s.instanceId, name);
    await new Promise((r) => setTimeout(r, 20 + (input.n % 7) * 15)); // a kill lands inside some steps
    if (fail && s.attempt === 1) throw new Error('first attempt fails');
    return `${name}-${input.n}`;
  });
  const a = await effect('a');
  const b = await effect('b', input.n % 2 === 1);
  await ctx.sleep(200 + (input.n % 5) * 400); // instances span several kills
  const c = await effect('c');
  const d = await effect('d', input.n % 3 === 0);
  return [a, b, c, d].join(',');
});

const log = await openSqliteLog({ path, durability: 'fsync' });
const runner = await startWorkflowRunner(log, { workflows: [crashy], pollInterval: 20, lease: 1_000, concurrency: 8 });
const n = Number(count);
for (let i = 0; i < n; i++) await runner.start(crashy, { n: i }, { id: `i${i}` });
writeLine(`STARTED ${(await runner.list({ workflow: 'crashy', status: 'completed', limit: 1_000 })).length}`);

if (mode === 'drain') {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const open = await runner.list({ workflow: 'crashy', status: 'running', limit: 1_000 });
    if (open.length === 0) break;
    if (Date.now() > deadline) throw new Error(`drain timed out: ${open.length} instances still running`);
    await new Promise((r) => setTimeout(r, 100));
  }
  await runner.close();
  await log.close();
  effects.close();
  writeLine('DRAINED');
}
